import Foundation
import LorascopeEngine

/// `lorascope tui --study DIR`: a finished study read back (issue 28 item 3) — every arm against
/// `single` with its paired intervals, the stability–plasticity frontier drawn in the terminal
/// (the data of frontier.svg), and the findings in words; Enter opens the selected arm's run of
/// the first seed beside `single`'s (CompareScreen). Read-only.
public struct StudyScreen {
  let study: StudyRecord
  var selected = 0
  /// A message about the last Enter that could not open runs.
  var notice: String?

  public init(study: StudyRecord) { self.study = study }

  var metricLabel: String { RankingMetricName(rawValue: study.metric)?.label ?? study.metric }

  /// What a key asks for.
  enum Outcome: Equatable { case stay, quit, open(Int) }

  mutating func handle(_ key: Key) -> Outcome {
    guard let action = KeyMap.standard.action(for: .key(key), context: .study) else { return .stay }
    notice = nil
    switch action {
    case .quit: return .quit
    case .layerPrev: selected = max(0, selected - 1)
    case .layerNext: selected = min(study.arms.count - 1, selected + 1)
    case .openRuns: return study.arms.isEmpty ? .stay : .open(selected)
    default: break
    }
    return .stay
  }

  public func draw(into canvas: inout some Canvas, glyphs: GlyphSet) {
    let size = canvas.size
    let full = Rect(size: size)
    canvas.clear(full)
    guard size.rows >= 16, size.cols >= 64 else {
      canvas.put(row: 0, col: 0, text: "window too small for the study (64×16 needed)", style: .warn, clippedTo: full)
      return
    }
    let seeds = Set(study.arms.flatMap(\.seeds)).count
    canvas.put(
      row: 0, col: 0,
      text: "lorascope · study of \(study.dataset) · \(metricLabel) · \(study.arms.count) arms × \(seeds) seeds · \(study.directory)",
      style: .title, clippedTo: full)
    let bar = Rect(row: size.rows - 1, col: 0, width: size.cols, height: 1)
    if let notice {
      canvas.put(row: bar.row, col: 0, text: notice, style: .warn, clippedTo: bar)
    } else {
      KeyBar(context: .study).draw(into: &canvas, rect: bar, glyphs: glyphs)
    }
    let body = Rect(row: 1, col: 0, width: size.cols, height: size.rows - 2)
    let wordsHeight = max(4, body.height / 3)
    let top = Rect(row: body.row, col: 0, width: body.width, height: body.height - wordsHeight)
    let tableWidth = body.width >= 140 ? body.width * 3 / 5 : body.width
    drawArms(into: &canvas, rect: Rect(row: top.row, col: 0, width: tableWidth, height: top.height), glyphs: glyphs)
    if tableWidth < body.width {
      let half = top.height / 2
      drawFrontier(into: &canvas, rect: Rect(row: top.row, col: tableWidth, width: body.width - tableWidth, height: half), glyphs: glyphs)
      drawLambdaCurve(
        into: &canvas, rect: Rect(row: top.row + half, col: tableWidth, width: body.width - tableWidth, height: top.height - half),
        glyphs: glyphs)
    }
    drawFindings(into: &canvas, rect: Rect(row: top.bottom, col: 0, width: body.width, height: wordsHeight), glyphs: glyphs)
  }

  func drawArms(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let narrow = rect.width < 102
    let inner = Box(
      title: narrow ? "arms − single, paired 95 %: * excludes 0" : "every arm against single, paired 95 %",
      trailer: "Enter: its run beside single's"
    ).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    // Narrow: the difference and a mark ("*" the interval excludes 0, "·" it holds 0).
    let compact = narrow
    let difference = compact ? "− single" : "− single [95 %]"
    let columns = [TableColumn("arm", alignment: .left), TableColumn("plasticity"), TableColumn(difference),
                   TableColumn("stability"), TableColumn(difference)]
    let rows: [[TableCell]] = study.arms.map { arm in
      let name = arm.method.usesLambda ? "\(arm.method.rawValue) λ=\(StudyFindings.formatLambda(arm.lambda))" : arm.method.rawValue
      return [TableCell("\(Self.letter(study.arms.firstIndex(of: arm) ?? 0)) \(name)"), TableCell(String(format: "%.4f", arm.plasticity.mean)),
              Self.interval(arm.plasticityDifference, compact: compact),
              TableCell(String(format: "%.4f", arm.stability.mean)), Self.interval(arm.stabilityDifference, compact: compact)]
    }
    Table(columns: columns, rows: rows, selectedRow: selected).draw(into: &canvas, rect: inner, glyphs: glyphs)
  }

  /// Stability against plasticity, one letter per arm (the points of the study's frontier.svg):
  /// up and to the right is better on both; the selected arm is highlighted.
  func drawFrontier(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let inner = Box(title: "frontier: stability ↑ vs plasticity →").draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard inner.height >= 4, inner.width >= 20, !study.arms.isEmpty else { return }
    let xs = study.arms.map(\.plasticity.mean), ys = study.arms.map(\.stability.mean)
    func span(_ v: [Double]) -> (Double, Double) {
      let lo = v.min()!, hi = v.max()!
      let pad = max((hi - lo) * 0.05, 1e-6)
      return (lo - pad, hi + pad)
    }
    let (x0, x1) = span(xs), (y0, y1) = span(ys)
    let plot = Rect(row: inner.row, col: inner.col + 8, width: inner.width - 8, height: inner.height - 1)
    canvas.put(row: plot.row, col: inner.col, text: String(format: "%.4f", y1), style: .dim, clippedTo: inner)
    canvas.put(row: plot.bottom - 1, col: inner.col, text: String(format: "%.4f", y0), style: .dim, clippedTo: inner)
    canvas.put(row: plot.bottom, col: plot.col, text: String(format: "%.4f", x0), style: .dim, clippedTo: inner)
    let right = String(format: "%.4f", x1)
    canvas.put(row: plot.bottom, col: plot.right - right.count, text: right, style: .dim, clippedTo: inner)
    for (i, arm) in study.arms.enumerated() {
      let col = plot.col + Int(((arm.plasticity.mean - x0) / (x1 - x0) * Double(plot.width - 1)).rounded())
      let row = plot.bottom - 1 - Int(((arm.stability.mean - y0) / (y1 - y0) * Double(plot.height - 1)).rounded())
      canvas.put(row: row, col: col, text: Self.letter(i), style: i == selected ? .selected : .accent, clippedTo: plot)
    }
  }

  /// Arm − single against log₁₀ λ for every method with a λ, plasticity and stability (the
  /// study's lambda_curve.svg; λ = 0 has no place on a log axis and is left out).
  func drawLambdaCurve(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let inner = Box(title: "λ curve: minus single against log₁₀ λ").draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    var series: [ChartSeries] = []
    let methods = study.arms.map(\.method).filter(\.usesLambda).reduce(into: [ContinualMethod]()) { if !$0.contains($1) { $0.append($1) } }
    for method in methods {
      let arms = study.arms.filter { $0.method == method && $0.lambda > 0 }.sorted { $0.lambda < $1.lambda }
      for (label, value) in [("plasticity", \SweepArmComparison.plasticityDifference), ("stability", \SweepArmComparison.stabilityDifference)] {
        let points = arms.compactMap { arm in arm[keyPath: value].map { ChartPoint(x: Foundation.log10(arm.lambda), y: $0.mean) } }
        if !points.isEmpty { series.append(ChartSeries(name: "\(method.rawValue) \(label)", points: points)) }
      }
    }
    LineChart(series: series, xLabel: "log₁₀ λ", emptyMessage: "no arm with λ > 0").draw(into: &canvas, rect: inner, glyphs: glyphs)
  }

  /// "a", "b", … : an arm's mark on the frontier and in the table.
  static func letter(_ index: Int) -> String { String(UnicodeScalar(UInt8(97 + index % 26))) }

  func drawFindings(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let inner = Box(title: "findings").draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    let text = ([study.findings.adaptation] + study.findings.methods.map(\.summary)).joined(separator: " ")
    for (i, line) in WordWrap.lines(glyphs.text(text), width: inner.width, maxLines: inner.height).enumerated() {
      canvas.put(row: inner.row + i, col: inner.col, text: line, style: .normal, clippedTo: inner)
    }
  }

  /// "+0.0012 [−0.0003, +0.0027]", dim when the interval holds 0 (compact: "+0.0012·", or "*" when
  /// it excludes 0); "—" for `single` itself.
  static func interval(_ ci: ConfidenceInterval?, compact: Bool = false) -> TableCell {
    guard let ci else { return "—" }
    let holdsZero = ci.lower <= 0 && ci.upper >= 0
    let text = compact
      ? String(format: "%+.4f", ci.mean) + (holdsZero ? "·" : "*")
      : String(format: "%+.4f [%+.4f, %+.4f]", ci.mean, ci.lower, ci.upper)
    return TableCell(text, style: holdsZero ? .dim : (ci.mean > 0 ? .good : .warn))
  }

  /// Runs the screen until `q`; `open` reads the runs of an arm (its first seed, beside
  /// `single`'s) for the comparison, or throws a message to show.
  public static func run(
    study: StudyRecord, options: NcursesScreen.Options, open: (SweepArmComparison) throws -> [RunRecord],
    spectrum: ([RunRecord]) -> (@Sendable (_ run: Int, _ stage: Int) throws -> (GeneralizedSpectrum, ProximalStrength))? = { _ in nil }
  ) throws -> Int32 {
    let screen = try NcursesScreen(options: options)
    defer { screen.close() }
    var state = StudyScreen(study: study)
    while true {
      screen.frame { canvas in state.draw(into: &canvas, glyphs: screen.glyphs) }
      guard let event = screen.nextEvent(timeoutMS: -1) else { continue }
      guard case .key(let key) = event else {
        if case .terminate = event { return 0 }
        continue
      }
      switch state.handle(key) {
      case .stay: continue
      case .quit: return 0
      case .open(let arm):
        do {
          let runs = try open(study.arms[arm])
          var compare = CompareScreen(runs: runs, spectrum: spectrum(runs))
          compare.loop(on: screen)
        } catch {
          state.notice = "cannot open the runs: \((error as? LorascopeError)?.description ?? "\(error)")"
        }
      }
    }
  }
}
