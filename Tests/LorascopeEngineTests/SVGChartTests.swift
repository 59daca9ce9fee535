import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@testable import LorascopeEngine

/// The study's SVG figures are well-formed XML with one marker per point and one interval per known
/// interval (Docs/Statistics.md).
struct SVGChartTests {
  /// Counts elements by name and `class` while checking that the text parses as XML.
  final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) {
      counts[name, default: 0] += 1
      if let cls = attributes["class"] { counts["\(name).\(cls)", default: 0] += 1 }
    }
  }

  static func parse(_ svg: String) -> (ok: Bool, counts: [String: Int]) {
    let parser = XMLParser(data: Data(svg.utf8))
    let counter = ElementCounter()
    parser.delegate = counter
    let ok = parser.parse()
    return (ok, counter.counts)
  }

  @Test func theLambdaCurveOverDecadesWithZero() {
    let lambdas = [0.0, 0.5, 8, 1e2, 1e3, 1e4, 1e5, 1e6]
    let points = lambdas.enumerated().map { i, lambda in
      SVGChart.Point(x: lambda, y: 0.01 + 0.001 * Double(i), yInterval: (0.008 + 0.001 * Double(i))...(0.012 + 0.001 * Double(i)))
    }
    let chart = SVGChart(
      title: "PESO: NDCG@5 − single vs λ <paired, 5 seeds>", xLabel: "λ", yLabel: "ΔNDCG@5", xScale: .log10,
      series: [.init(name: "peso & co", points: points, connected: true)])
    let svg = chart.render()
    let parsed = Self.parse(svg)
    #expect(parsed.ok)
    #expect(parsed.counts["circle.point"] == lambdas.count)
    #expect(parsed.counts["line.interval"] == lambdas.count)
    #expect(parsed.counts["path.curve"] == 1)
    #expect(svg.contains("&lt;paired, 5 seeds&gt;"))
    #expect(svg.contains("peso &amp; co"))
    #expect(svg.contains(">0</text>"))  // the λ = 0 slot
  }

  @Test func theFrontierHasIntervalsOnBothAxes() {
    let methods = ["frozen", "single", "peso"]
    let series = methods.enumerated().map { i, name in
      SVGChart.Series(
        name: name,
        points: (0..<3).map { j in
          let x = 0.01 + 0.002 * Double(i + j)
          let y = 0.02 - 0.001 * Double(i * j)
          return SVGChart.Point(x: x, y: y, yInterval: (y - 0.001)...(y + 0.001), xInterval: (x - 0.0005)...(x + 0.0005), label: "λ\(j)")
        },
        connected: false)
    }
    let parsed = Self.parse(SVGChart(title: "frontier", xLabel: "plasticity", yLabel: "stability", series: series).render())
    #expect(parsed.ok)
    #expect(parsed.counts["circle.point"] == 9)
    #expect(parsed.counts["line.interval"] == 18)
    #expect(parsed.counts["path.curve"] == nil)
    #expect(parsed.counts["g.series"] == 3)
  }

  @Test func theSameDataGiveTheSameBytes() {
    let chart = SVGChart(
      title: "t", xLabel: "x", yLabel: "y",
      series: [.init(name: "a", points: [.init(x: 1, y: 2), .init(x: 3, y: 2)], connected: true)])
    #expect(chart.render() == chart.render())
    #expect(Self.parse(chart.render()).ok)  // a flat series still gets a y range
  }

  @Test func logTicksAreWholeDecades() {
    let axis = Axis(values: [3, 2e5], scale: .log10)
    #expect(axis.low == 1 && axis.high == 1e6)
    #expect(axis.ticks() == [1, 10, 100, 1e3, 1e4, 1e5, 1e6])
    #expect(SVGChart.tickText(1e5) == "1e5")
    #expect(SVGChart.tickText(0.25) == "0.25")
  }
}

extension SVGChartTests {
  /// Writes a sample to $LORASCOPE_SVG_SAMPLE when set (to look at by eye); asserts the file parses.
  @Test func sampleForTheEye() throws {
    guard let path = ProcessInfo.processInfo.environment["LORASCOPE_SVG_SAMPLE"] else { return }
    let lambdas = [0.0, 0.5, 2, 8, 1e2, 1e3, 1e4, 3e4, 1e5, 1e6]
    let peso = lambdas.map { l in SVGChart.Point(x: l, y: 0.0005 - 0.004 * l / (l + 3e4), yInterval: (-0.002 - 0.004 * l / (l + 3e4))...(0.003 - 0.004 * l / (l + 3e4))) }
    let chart = SVGChart(title: "PESO vs single: ΔNDCG@5 over λ (5 paired seeds, 95 % CI)", xLabel: "λ", yLabel: "ΔNDCG@5", xScale: .log10, series: [.init(name: "peso", points: peso, connected: true)])
    try chart.write(to: URL(fileURLWithPath: path))
    #expect(Self.parse(try String(contentsOfFile: path, encoding: .utf8)).ok)
  }
}
