import Foundation
import LorascopeEngine

/// The two pictures of a sweep (Docs/Statistics.md, "Sweeps: every arm against single"), as SVG
/// through `SVGChart` and as text for the terminal:
/// - the λ curve: per method with a λ, plasticity − single and stability − single against λ (log
///   axis, λ = 0 in its own slot), each point with its paired 95 % interval;
/// - the stability–plasticity frontier: one marker per arm, `frozen` and `single` the two ends,
///   each with the interval of its paired difference from single added to single's mean (single
///   itself shows its seed spread), and a dashed line at each counting baseline's plasticity.
enum SweepFigures {
  static func lambdaCurve(_ report: SweepReport) -> SVGChart {
    let methods = orderedMethods(report).filter(\.usesLambda)
    // Two curves per method: what λ costs on the new blocks and what it keeps of the old ones.
    let series = methods.flatMap { method in
      [(SweepSummary.plasticity, \SweepArmComparison.plasticityDifference), (.stability, \.stabilityDifference)].map { summary, difference in
        SVGChart.Series(
          name: "\(method.rawValue) \(summary.rawValue)",
          points: report.arms.filter { $0.method == method }.compactMap { arm in
            guard let d = arm[keyPath: difference] else { return nil }
            return SVGChart.Point(x: arm.lambda, y: d.mean, yInterval: d.lower...d.upper)
          },
          connected: true)
      }
    }
    return SVGChart(
      title: "\(report.metric.label) minus single vs λ: plasticity and stability (\(seedText(report)), paired 95 % intervals)",
      xLabel: "λ", yLabel: "Δ \(report.metric.label) vs single", xScale: .log10, series: series)
  }

  static func frontier(_ report: SweepReport) -> SVGChart {
    let single = report.arms.first { $0.method == .single }
    let series = orderedMethods(report).map { method in
      SVGChart.Series(
        name: method.rawValue,
        points: report.arms.filter { $0.method == method }.map { arm in
          SVGChart.Point(
            x: arm.stability.mean, y: arm.plasticity.mean,
            yInterval: shifted(arm.plasticityDifference, by: single?.plasticity) ?? spread(arm.plasticity),
            xInterval: shifted(arm.stabilityDifference, by: single?.stability) ?? spread(arm.stability),
            label: method.usesLambda ? "λ=\(String(format: "%g", arm.lambda))" : nil)
        },
        connected: false)
    }
    var chart = SVGChart(
      title: "stability–plasticity frontier, \(report.metric.rawValue) (\(seedText(report)))",
      xLabel: "stability: mean R[T][j]", yLabel: "plasticity: mean R[t][t], t ≥ 1", series: series)
    // Counting on the same blocks and users: a point below a line is a model below that counter.
    chart.referenceLines = report.counters.map {
      SVGChart.ReferenceLine(name: "\($0.baseline.label) \(String(format: "%.4f", $0.plasticity.mean))", y: $0.plasticity.mean)
    }
    return chart
  }

  /// Writes lambda_curve.svg and frontier.svg into `directory`; returns their paths.
  @discardableResult
  static func writeSVG(_ report: SweepReport, to directory: URL) throws -> [URL] {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let curve = directory.appendingPathComponent("lambda_curve.svg")
    let front = directory.appendingPathComponent("frontier.svg")
    try lambdaCurve(report).write(to: curve)
    try frontier(report).write(to: front)
    return [curve, front]
  }

  /// Both pictures as text (what the terminal shows).
  static func text(_ report: SweepReport) -> String {
    let curve = lambdaCurve(report)
    let front = frontier(report)
    return TextPlot.render(curve, logX: true) + "\n" + TextPlot.render(front, logX: false)
  }

  static func orderedMethods(_ report: SweepReport) -> [ContinualMethod] {
    var out: [ContinualMethod] = []
    for a in report.arms where !out.contains(a.method) { out.append(a.method) }
    return out
  }

  static func seedText(_ report: SweepReport) -> String {
    let counts = Set(report.arms.map(\.seeds.count))
    if counts == [1] { return "1 seed" }
    return counts.count == 1 ? "\(counts.first ?? 0) seeds" : "\(counts.sorted().map(String.init).joined(separator: "/")) seeds"
  }

  static func shifted(_ d: ConfidenceInterval?, by base: SeedSpread?) -> ClosedRange<Double>? {
    guard let d, let base, base.mean.isFinite else { return nil }
    return (base.mean + d.lower)...(base.mean + d.upper)
  }

  static func spread(_ s: SeedSpread) -> ClosedRange<Double>? {
    guard let sd = s.standardDeviation, s.mean.isFinite else { return nil }
    return (s.mean - sd)...(s.mean + sd)
  }
}

/// A character-cell scatter plot of an `SVGChart`'s series: each point is its series' letter,
/// its y interval a column of `│`; the λ = 0 point of a log axis sits in the leftmost column.
enum TextPlot {
  static func render(_ chart: SVGChart, logX: Bool, width: Int = 60, height: Int = 14) -> String {
    let points = chart.series.flatMap(\.points)
    guard !points.isEmpty else { return "\(chart.title)\n(no points)\n" }
    let ys = points.flatMap { p in [p.y] + (p.yInterval.map { [$0.lowerBound, $0.upperBound] } ?? []) }.filter(\.isFinite)
    var lo = ys.min() ?? 0, hi = ys.max() ?? 1
    if hi - lo < 1e-12 { lo -= 1e-3; hi += 1e-3 }
    func xCoordinate(_ x: Double) -> Double { logX ? (x > 0 ? log10(x) : -.infinity) : x }
    let xs = points.map { xCoordinate($0.x) }.filter(\.isFinite)
    var xlo = xs.min() ?? 0, xhi = xs.max() ?? 1
    if xhi - xlo < 1e-12 { xlo -= 0.5; xhi += 0.5 }
    let zeroColumn = logX && points.contains { $0.x <= 0 } ? 2 : 0
    func column(_ x: Double) -> Int {
      let c = xCoordinate(x)
      guard c.isFinite else { return 0 }
      return zeroColumn + Int(((c - xlo) / (xhi - xlo) * Double(width - 1 - zeroColumn)).rounded())
    }
    func row(_ y: Double) -> Int { height - 1 - Int(((y - lo) / (hi - lo) * Double(height - 1)).rounded()) }
    var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
    if lo < 0 && hi > 0 { for c in 0..<width { grid[row(0)][c] = "┈" } }
    for s in chart.series {
      for p in s.points {
        guard let i = p.yInterval else { continue }
        let c = column(p.x)
        for r in row(i.upperBound)...row(i.lowerBound) where grid[r][c] == " " || grid[r][c] == "┈" { grid[r][c] = "│" }
      }
    }
    var legend: [String] = []
    var used: Set<Character> = []
    for (k, s) in chart.series.enumerated() {
      // The series' initial, or its number when another series took that letter.
      let initial = Character(s.name.first.map { String($0).uppercased() } ?? "\(k)")
      let mark = used.contains(initial) ? Character("\(k % 10)") : initial
      used.insert(mark)
      legend.append("\(mark) \(s.name)")
      for p in s.points where p.y.isFinite { grid[row(p.y)][column(p.x)] = mark }
    }
    var out = chart.title + "\n"
    for (r, line) in grid.enumerated() {
      let label = r == 0 ? String(format: "%+.4f", hi) : (r == height - 1 ? String(format: "%+.4f", lo) : "")
      out += label.padding(toLength: 9, withPad: " ", startingAt: 0) + "│" + String(line) + "\n"
    }
    out += String(repeating: " ", count: 9) + "└" + String(repeating: "─", count: width) + "\n"
    let left = logX ? (zeroColumn > 0 ? "0 | " : "") + String(format: "%.3g", pow(10, xlo)) : String(format: "%.4f", xlo)
    let right = logX ? String(format: "%.3g", pow(10, xhi)) : String(format: "%.4f", xhi)
    out += String(repeating: " ", count: 10) + left.padding(toLength: max(width - right.count, left.count + 1), withPad: " ", startingAt: 0)
      + right + "  " + chart.xLabel + "\n"
    out += String(repeating: " ", count: 10) + legend.joined(separator: "   ") + "\n"
    return out
  }
}
