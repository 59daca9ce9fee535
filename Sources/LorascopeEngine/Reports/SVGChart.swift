import Foundation

/// A small, dependency-free SVG chart for the study's figures: the λ curve (a metric against λ over
/// decades, with its interval as a band of error bars) and the stability–plasticity frontier
/// (one marker per method and λ, with intervals on both axes). Docs/Statistics.md says what the
/// intervals are.
///
/// The output is plain SVG 1.1 text that a browser or a Markdown viewer shows as it is; every
/// number is printed with fixed precision so the same data give byte-identical files.
public struct SVGChart: Sendable {
  public enum Scale: Sendable, Equatable {
    case linear
    /// Base-10 logarithmic. Values ≤ 0 (λ = 0) are drawn in a slot left of an axis break, labeled "0".
    case log10
  }

  public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    /// Interval of y (drawn as a vertical error bar) and of x (horizontal), when known.
    public var yInterval: ClosedRange<Double>?
    public var xInterval: ClosedRange<Double>?
    /// A short label drawn beside the marker (e.g. "λ=3e4").
    public var label: String?

    public init(
      x: Double, y: Double, yInterval: ClosedRange<Double>? = nil,
      xInterval: ClosedRange<Double>? = nil, label: String? = nil
    ) {
      self.x = x
      self.y = y
      self.yInterval = yInterval
      self.xInterval = xInterval
      self.label = label
    }
  }

  public struct Series: Sendable {
    public var name: String
    public var points: [Point]
    /// Join the points with a line (a curve over λ) or draw markers only (a frontier).
    public var connected: Bool

    public init(name: String, points: [Point], connected: Bool) {
      self.name = name
      self.points = points
      self.connected = connected
    }
  }

  /// A horizontal dashed line at a reference value of y (a counting baseline's plasticity on the
  /// frontier, Docs/Math.md §44), labeled at its right end.
  public struct ReferenceLine: Sendable, Equatable {
    public var name: String
    public var y: Double

    public init(name: String, y: Double) {
      self.name = name
      self.y = y
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var xScale: Scale
  public var series: [Series]
  public var referenceLines: [ReferenceLine] = []
  public var width: Double = 720
  public var height: Double = 440

  public init(title: String, xLabel: String, yLabel: String, xScale: Scale = .linear, series: [Series]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xScale = xScale
    self.series = series
  }

  /// Colors that stay apart for the common kinds of color blindness (Okabe–Ito).
  static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

  // Plot area inside the margins.
  private var left: Double { 72 }
  private var right: Double { width - 170 }
  private var top: Double { 40 }
  private var bottom: Double { height - 56 }
  /// Width of the λ = 0 slot on a log axis.
  private var zeroSlot: Double { 52 }

  public func render() -> String {
    let points = series.flatMap(\.points)
    let xs = points.flatMap { p in [p.x] + (p.xInterval.map { [$0.lowerBound, $0.upperBound] } ?? []) }
    let ys = points.flatMap { p in [p.y] + (p.yInterval.map { [$0.lowerBound, $0.upperBound] } ?? []) }
      + referenceLines.map(\.y)
    let xAxis = Axis(values: xs, scale: xScale)
    let yAxis = Axis(values: ys, scale: .linear)
    let hasZero = xScale == .log10 && xs.contains { $0 <= 0 }
    let plotLeft = hasZero ? left + zeroSlot : left

    func px(_ x: Double) -> Double {
      if xScale == .log10 && x <= 0 { return left + zeroSlot / 2 }
      return plotLeft + xAxis.fraction(x) * (right - plotLeft)
    }
    func py(_ y: Double) -> Double { bottom - yAxis.fraction(y) * (bottom - top) }

    var out = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
      viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="#ffffff"/>
      <text x="\(f(width / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

      """
    // Grid and ticks.
    for tick in yAxis.ticks() {
      let y = py(tick)
      // The zero line of a difference is the line that matters: draw it darker.
      let stroke = tick == 0 ? "#888888" : "#e5e5e5"
      out += "<line x1=\"\(f(plotLeft))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"\(stroke)\"/>\n"
      out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(Self.tickText(tick)))</text>\n"
    }
    for tick in xAxis.ticks() {
      let x = px(tick)
      out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"#e5e5e5\"/>\n"
      out += "<text x=\"\(f(x))\" y=\"\(f(bottom + 18))\" text-anchor=\"middle\">\(escape(Self.tickText(tick)))</text>\n"
    }
    if hasZero {
      let x = left + zeroSlot / 2
      out += "<text x=\"\(f(x))\" y=\"\(f(bottom + 18))\" text-anchor=\"middle\">0</text>\n"
      // The axis break between the λ = 0 slot and the logarithmic axis.
      out += "<path d=\"M\(f(plotLeft - 6)) \(f(bottom + 5)) l4 -10 M\(f(plotLeft - 2)) \(f(bottom + 5)) l4 -10\" stroke=\"#444\"/>\n"
    }
    out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#444\"/>\n"
    out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 16))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
    out += "<text transform=\"translate(18 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"

    for line in referenceLines where line.y.isFinite {
      let y = py(line.y)
      out += "<line class=\"reference\" x1=\"\(f(plotLeft))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"#555555\" stroke-dasharray=\"6 4\"/>\n"
      out += "<text x=\"\(f(right - 4))\" y=\"\(f(y - 4))\" text-anchor=\"end\" font-size=\"10\" fill=\"#555555\">\(escape(line.name))</text>\n"
    }
    for (index, s) in series.enumerated() {
      let color = Self.palette[index % Self.palette.count]
      out += "<g class=\"series\" data-name=\"\(escape(s.name))\" stroke=\"\(color)\" fill=\"\(color)\">\n"
      if s.connected {
        // λ = 0 sits in its own slot: do not draw a line across the axis break.
        let onAxis = s.points.filter { !(xScale == .log10 && $0.x <= 0) }.sorted { $0.x < $1.x }
        if onAxis.count > 1 {
          let d = onAxis.enumerated().map { "\($0 == 0 ? "M" : "L")\(f(px($1.x))) \(f(py($1.y)))" }.joined(separator: " ")
          out += "<path class=\"curve\" d=\"\(d)\" fill=\"none\" stroke-width=\"1.6\"/>\n"
        }
      }
      for p in s.points {
        let x = px(p.x)
        let y = py(p.y)
        if let yi = p.yInterval {
          out += "<line class=\"interval\" x1=\"\(f(x))\" y1=\"\(f(py(yi.lowerBound)))\" x2=\"\(f(x))\" y2=\"\(f(py(yi.upperBound)))\" stroke-width=\"1.2\"/>\n"
        }
        if let xi = p.xInterval {
          out += "<line class=\"interval\" x1=\"\(f(px(xi.lowerBound)))\" y1=\"\(f(y))\" x2=\"\(f(px(xi.upperBound)))\" y2=\"\(f(y))\" stroke-width=\"1.2\"/>\n"
        }
        out += "<circle class=\"point\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\"/>\n"
        if let label = p.label {
          out += "<text x=\"\(f(x + 6))\" y=\"\(f(y - 6))\" font-size=\"10\" stroke=\"none\">\(escape(label))</text>\n"
        }
      }
      out += "</g>\n"
      // Legend.
      let ly = top + 8 + Double(index) * 18
      out += "<circle cx=\"\(f(right + 18))\" cy=\"\(f(ly))\" r=\"4\" fill=\"\(color)\"/>\n"
      out += "<text x=\"\(f(right + 28))\" y=\"\(f(ly + 4))\">\(escape(s.name))</text>\n"
    }
    out += "</svg>\n"
    return out
  }

  /// Writes the chart atomically.
  public func write(to url: URL) throws {
    try AtomicFile.write(Data(render().utf8), to: url)
  }

  private func f(_ v: Double) -> String { String(format: "%.2f", v) }

  static func tickText(_ v: Double) -> String {
    if v == 0 { return "0" }
    let magnitude = abs(v)
    if magnitude >= 1e4 || magnitude < 1e-3 {
      let exponent = Int(log10(magnitude).rounded(.down))
      let mantissa = v / pow(10, Double(exponent))
      return abs(mantissa - 1) < 1e-9 ? "1e\(exponent)" : String(format: "%.3ge%d", mantissa, exponent)
    }
    return String(format: "%.4g", v)
  }

  func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}

/// One axis's range and ticks. A log axis spans whole decades of its positive values.
struct Axis {
  let scale: SVGChart.Scale
  let low: Double
  let high: Double

  init(values: [Double], scale: SVGChart.Scale) {
    self.scale = scale
    let finite = values.filter(\.isFinite)
    switch scale {
    case .linear:
      var lo = finite.min() ?? 0
      var hi = finite.max() ?? 1
      if hi - lo < 1e-12 {
        lo -= 0.5 * max(abs(lo), 1e-3)
        hi += 0.5 * max(abs(hi), 1e-3)
      }
      let pad = 0.06 * (hi - lo)
      low = lo - pad
      high = hi + pad
    case .log10:
      let positive = finite.filter { $0 > 0 }
      let lo = positive.min() ?? 1
      let hi = positive.max() ?? 10
      low = pow(10, log10(lo).rounded(.down))
      high = max(pow(10, log10(hi).rounded(.up)), low * 10)
    }
  }

  func fraction(_ v: Double) -> Double {
    switch scale {
    case .linear: return (v - low) / (high - low)
    case .log10: return (log10(max(v, low)) - log10(low)) / (log10(high) - log10(low))
    }
  }

  func ticks() -> [Double] {
    switch scale {
    case .log10:
      let first = Int(log10(low).rounded())
      let last = Int(log10(high).rounded())
      let stride = max(1, (last - first + 7) / 8)
      return Swift.stride(from: first, through: last, by: stride).map { pow(10, Double($0)) }
    case .linear:
      let raw = (high - low) / 6
      let magnitude = pow(10, log10(raw).rounded(.down))
      let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
      var t = (low / step).rounded(.up) * step
      var ticks: [Double] = []
      while t <= high + 1e-12 * step {
        ticks.append(abs(t) < 1e-12 * step ? 0 : t)
        t += step
      }
      return ticks
    }
  }
}
