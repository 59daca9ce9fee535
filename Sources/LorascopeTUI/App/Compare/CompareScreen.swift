import Foundation
import LorascopeEngine

/// `lorascope tui --run-dir A --compare B [--compare C …]`: finished runs side by side, read-only
/// (issue 28 item 2). For the chosen stage: every run's loss curve overlaid with min / max / last;
/// per stage each run's metric on that stage's own block and its paired difference against the
/// pinned reference with the 95 % interval where both scored the same users (one seed each:
/// users resampled, `RunComparison`); and R[t][j] of the selected run minus the reference.
/// Keys come from the key table's compare context (KeyMap.swift).
public struct CompareScreen {
  let runs: [RunRecord]
  /// The run the others are measured against (`p` pins the next one).
  var reference = 0
  /// The run whose R[t][j] difference is shown (`Tab` steps through the others).
  var selected: Int
  /// The stage whose loss curves are shown (`g`/`G`).
  var stage: Int
  let metric: RankingMetricName = .ndcg5
  /// One comparison per (run, reference) pair, made when a reference is pinned.
  var comparisons: [Int: Result<RunComparison, Error>] = [:]
  /// The spectra, when the caller can compute them (`s` shows them in place of the loss curves).
  let spectra: CompareSpectra?
  var showSpectra = false

  /// - Parameter spectrum: a run's joint spectrum of a stage and the λ it ended with, computed
  ///   off the screen's thread on demand; nil leaves `s` explaining that it is not available.
  public init(runs: [RunRecord], spectrum: (@Sendable (_ run: Int, _ stage: Int) throws -> (GeneralizedSpectrum, ProximalStrength))? = nil) {
    precondition(runs.count >= 2, "a comparison needs two runs")
    self.runs = runs
    spectra = spectrum.map { provide in
      CompareSpectra(runs: runs.count) { run, stage in
        let (spectrum, strength) = try provide(run, stage)
        return CompareSpectra.Entry(spectrum: spectrum, strength: strength)
      }
    }
    selected = 1
    stage = (runs.map { $0.metrics.stages.count }.min() ?? 1) - 1
    compare()
  }

  /// Stages every run finished.
  var sharedStages: Int { runs.map { $0.metrics.stages.count }.min() ?? 0 }

  mutating func compare() {
    comparisons = [:]
    let ref = runs[reference]
    for (i, run) in runs.enumerated() where i != reference {
      comparisons[i] = Result {
        try RunComparison(run: run.metrics, runRanks: run.ranks, reference: ref.metrics, referenceRanks: ref.ranks, metric: metric)
      }
    }
  }

  /// Handles a key; false when the screen should close.
  public mutating func handle(_ key: Key) -> Bool {
    guard let action = KeyMap.standard.action(for: .key(key), context: .compare) else { return true }
    switch action {
    case .quit: return false
    case .stageNext: stage = (stage + 1) % max(sharedStages, 1)
    case .stagePrev: stage = (stage + max(sharedStages, 1) - 1) % max(sharedStages, 1)
    case .pinReference:
      reference = (reference + 1) % runs.count
      if selected == reference { selected = (selected + 1) % runs.count }
      compare()
    case .moduleNext:
      selected = (selected + 1) % runs.count
      if selected == reference { selected = (selected + 1) % runs.count }
    case .recomputeSpectrum: showSpectra.toggle()
    default: break
    }
    return true
  }

  public func draw(into canvas: inout some Canvas, glyphs: GlyphSet) {
    let size = canvas.size
    let full = Rect(size: size)
    canvas.clear(full)
    guard size.rows >= 16, size.cols >= 64 else {
      canvas.put(row: 0, col: 0, text: "window too small to compare runs (64×16 needed)", style: .warn, clippedTo: full)
      return
    }
    canvas.put(
      row: 0, col: 0,
      text: "lorascope · \(runs.count) runs side by side (read-only) · stage \(stage) · reference: \(name(reference))",
      style: .title, clippedTo: full)
    KeyBar(context: .compare).draw(into: &canvas, rect: Rect(row: size.rows - 1, col: 0, width: size.cols, height: 1), glyphs: glyphs)
    let body = Rect(row: 1, col: 0, width: size.cols, height: size.rows - 2)
    if body.width >= 140 {
      // Wide: the curves beside the per-stage table, R[t][j] below.
      let topHeight = body.height / 2
      let leftWidth = body.width / 2
      drawCurves(into: &canvas, rect: Rect(row: body.row, col: 0, width: leftWidth, height: topHeight), glyphs: glyphs)
      drawStages(into: &canvas, rect: Rect(row: body.row, col: leftWidth, width: body.width - leftWidth, height: topHeight), glyphs: glyphs)
      drawMatrix(into: &canvas, rect: Rect(row: body.row + topHeight, col: 0, width: body.width, height: body.height - topHeight), glyphs: glyphs)
    } else {
      // Narrow: the two tables at their height, the curves in what is left.
      let tableHeight = min(sharedStages + 4, max(body.height / 3, 5))
      let lossHeight = body.height - 2 * tableHeight
      drawCurves(into: &canvas, rect: Rect(row: body.row, col: 0, width: body.width, height: lossHeight), glyphs: glyphs)
      drawStages(into: &canvas, rect: Rect(row: body.row + lossHeight, col: 0, width: body.width, height: tableHeight), glyphs: glyphs)
      drawMatrix(
        into: &canvas, rect: Rect(row: body.row + lossHeight + tableHeight, col: 0, width: body.width, height: tableHeight),
        glyphs: glyphs)
    }
  }

  /// "A b50 (single seed 0)": the letter of the tables, the run directory's name, what it ran.
  func name(_ i: Int) -> String {
    // A sweep's runs are …/method/lambda_λ/seed_s: their names are the path below the root.
    let parts = URL(fileURLWithPath: runs[i].path).pathComponents
    let tail = parts.last?.hasPrefix("seed_") == true ? parts.suffix(3).joined(separator: "/") : (parts.last ?? "")
    return "\(Self.shortName(i)) \(tail) (\(runs[i].label))"
  }

  /// The loss curves, or with `s` every run's spectrum of the stage.
  func drawCurves(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    if showSpectra { drawSpectra(into: &canvas, rect: rect, glyphs: glyphs) } else { drawLoss(into: &canvas, rect: rect, glyphs: glyphs) }
  }

  /// ρ_k of every run at stage `stage`, largest first on a log axis, each beside a flat line at
  /// its own λ_eff (where w_k = ½): directions above a run's line keep most of their update.
  func drawSpectra(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let inner = Box(title: "ρ_k, stage \(stage), each run's λ_eff", trailer: "s: loss").draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    guard let spectra else {
      CenteredMessage.draw("spectra need the runs' data and backbones: open the runs with `lorascope tui --compare`", into: &canvas, rect: inner, glyphs: glyphs)
      return
    }
    guard stage >= 1 else {
      CenteredMessage.draw("stage 0 has no anchor, so no spectrum: g moves to stage 1", into: &canvas, rect: inner, glyphs: glyphs)
      return
    }
    switch spectra.state(stage: stage) {
    case nil, .computing?:
      CenteredMessage.draw("computing stage \(stage)'s spectrum of every run (the joint Fisher of a probe)…", into: &canvas, rect: inner, glyphs: glyphs)
    case .done(let results)?:
      var series: [ChartSeries] = []
      var looks: [Int] = []
      var notes: [String] = []
      for (i, result) in results.enumerated() {
        switch result {
        case .success(let entry):
          let rho = entry.spectrum.nonZeroRho
          series.append(ChartSeries(name: "\(Self.shortName(i)) ρ_k", values: rho, firstX: 1))
          looks.append(i)
          if entry.strength.effective > 0 {
            series.append(ChartSeries(
              name: "\(Self.shortName(i)) λ_eff",
              points: [ChartPoint(x: 1, y: entry.strength.effective), ChartPoint(x: Double(max(rho.count, 2)), y: entry.strength.effective)]))
            looks.append(i)
          }
        case .failure(let error):
          notes.append("\(Self.shortName(i)): \((error as? LorascopeError)?.description ?? "\(error)")")
        }
      }
      let chart = Rect(row: inner.row, col: inner.col, width: inner.width, height: inner.height - notes.count)
      LineChart(series: series, yScale: .log10, xLabel: "k", styleIndices: looks).draw(into: &canvas, rect: chart, glyphs: glyphs)
      for (i, note) in notes.enumerated() {
        canvas.put(row: chart.bottom + i, col: inner.col, text: note, style: .warn, clippedTo: inner)
      }
    }
  }

  /// Every run's CE over stage `stage`'s steps, one look per run, and min / max / last.
  func drawLoss(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let inner = Box(title: "CE, stage \(stage)", trailer: "g/G stage").draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    let steps = runs.map { $0.steps(stage: stage) }
    let legendRows = min(runs.count, max(inner.height - 4, 0))
    let chart = Rect(row: inner.row, col: inner.col, width: inner.width, height: inner.height - legendRows)
    let series = runs.indices.map { ChartSeries(name: name($0), values: steps[$0].map(\.ce)) }
    LineChart(series: series, xLabel: "step", showLegend: false, emptyMessage: "no logged steps for this stage")
      .draw(into: &canvas, rect: chart, glyphs: glyphs)
    for (i, s) in steps.enumerated().prefix(legendRows) {
      let ce = s.map(\.ce)
      let stats = ce.isEmpty
        ? "no steps"
        : String(format: "min %.3f max %.3f last %.3f", ce.min()!, ce.max()!, ce.last!)
      let marker = glyphs.legendLines[i % glyphs.legendLines.count]
      canvas.put(
        row: chart.bottom + i, col: inner.col, text: "\(marker) \(stats) · \(name(i))", style: CellStyle.series(i),
        clippedTo: inner)
    }
  }

  /// Per stage: each run's metric on that stage's own block, and each other run minus the reference.
  func drawStages(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let inner = Box(title: "\(metric.label) on block t", trailer: "p pins the reference").draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    var columns = [TableColumn("t")] + runs.indices.map { TableColumn(Self.shortName($0)) }
    var rows: [[TableCell]] = []
    let others = runs.indices.filter { $0 != reference }
    columns += others.map { TableColumn("\(Self.shortName($0))−\(Self.shortName(reference)) [95 %]") }
    for t in 0..<sharedStages {
      var row: [TableCell] = [TableCell("\(t)", style: t == stage ? .selected : .title)]
      for run in runs { row.append(TableCell(String(format: "%.4f", run.metrics.stages[t].own.value(metric)))) }
      for i in others { row.append(Self.differenceCell(comparisons[i], stage: t, block: t)) }
      rows.append(row)
    }
    Table(columns: columns, rows: rows).draw(into: &canvas, rect: inner, glyphs: glyphs)
    let legend = runs.indices.map(name).joined(separator: " · ")
    if inner.height > rows.count + 2 {
      canvas.put(row: inner.bottom - 1, col: inner.col, text: legend, style: .dim, clippedTo: inner)
    }
  }

  /// R[t][j] of the selected run minus the reference's, with intervals where users are shared.
  func drawMatrix(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let title = "R[t][j] \(metric.label): \(Self.shortName(selected)) − \(Self.shortName(reference))"
    let inner = Box(title: title, trailer: "Tab: other run").draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    switch comparisons[selected] {
    case .failure(let error):
      CenteredMessage.draw("cannot compare: \((error as? LorascopeError)?.description ?? "\(error)")", into: &canvas, rect: inner, glyphs: glyphs)
    case .success(let comparison):
      let blocks = runs[reference].metrics.blocks
      // A whole interval per cell needs about 30 columns a block; narrower, a mark says it.
      let compact = inner.width < 10 + 30 * blocks
      let columns = [TableColumn("after")] + (0..<blocks).map { TableColumn("block \($0)") }
      var rows: [[TableCell]] = []
      for t in 0..<sharedStages {
        var row = [TableCell("stage \(t)", style: .title)]
        for j in 0..<blocks {
          row.append(j <= t ? Self.differenceCell(.success(comparison), stage: t, block: j, compact: compact) : "—")
        }
        rows.append(row)
      }
      Table(columns: columns, rows: rows).draw(into: &canvas, rect: inner, glyphs: glyphs)
      let paired = comparison.cells.contains { $0.interval != nil }
      let note = !paired
        ? "different test users (another seed or data): differences only, no intervals"
        : compact
          ? "paired 95 % intervals over the same test users: \"*\" excludes 0, \"·\" no effect measured (wider: the intervals)"
          : "[95 %]: paired over the same test users; \"·\" no effect measured (the interval holds 0)"
      if inner.height > rows.count + 2 {
        canvas.put(row: inner.bottom - 1, col: inner.col, text: note, style: .dim, clippedTo: inner)
      }
    case nil:
      break
    }
  }

  /// "+0.0012 [−0.0003, +0.0027]·" — the dot when the interval holds 0 ("+0.0012·" compact, "*"
  /// when it excludes 0); the difference alone when there is no interval.
  static func differenceCell(
    _ comparison: Result<RunComparison, Error>?, stage: Int, block: Int, compact: Bool = false
  ) -> TableCell {
    guard case .success(let c) = comparison, let cell = c.cell(stage: stage, block: block) else { return "—" }
    guard let ci = cell.interval else { return TableCell(String(format: "%+.4f", cell.difference)) }
    let holdsZero = ci.lower <= 0 && ci.upper >= 0
    let text = compact
      ? String(format: "%+.4f", cell.difference) + (holdsZero ? "·" : "*")
      : String(format: "%+.4f [%+.4f, %+.4f]", cell.difference, ci.lower, ci.upper) + (holdsZero ? "·" : "")
    return TableCell(text, style: holdsZero ? .dim : (cell.difference > 0 ? .good : .warn))
  }

  /// "A", "B", … for the table headers.
  static func shortName(_ index: Int) -> String { String(UnicodeScalar(UInt8(65 + index % 26))) }

  /// Runs the screen until `q`.
  public static func run(
    runs: [RunRecord], options: NcursesScreen.Options,
    spectrum: (@Sendable (_ run: Int, _ stage: Int) throws -> (GeneralizedSpectrum, ProximalStrength))? = nil
  ) throws -> Int32 {
    let screen = try NcursesScreen(options: options)
    defer { screen.close() }
    var compare = CompareScreen(runs: runs, spectrum: spectrum)
    compare.loop(on: screen)
    return 0
  }

  /// Shows the comparison on an open screen until `q` (the study screen opens it this way too).
  mutating func loop(on screen: NcursesScreen) {
    while true {
      if showSpectra, stage >= 1 { spectra?.request(stage: stage) }
      screen.frame { canvas in draw(into: &canvas, glyphs: screen.glyphs) }
      // While spectra are computed off this thread, wake up to draw them when they arrive.
      guard let event = screen.nextEvent(timeoutMS: spectra?.isBusy == true ? 200 : -1) else { continue }
      switch event {
      case .key(let key): if !handle(key) { return }
      case .terminate: return
      case .resize, .mouse: continue
      }
    }
  }
}
