import Foundation
import LorascopeEngine

/// `lorascope tui --run-dir RUN` on an imported run: an inspect mode with no training
/// (issue 13). The header says the run is imported and from where; the heat map shows P_g per
/// module of the chosen stage (exact, or the released code's bf16 value with `b`); the panel
/// under it describes the selected module and its verdict at the current λ; the spectrum panel
/// shows ρ_k and the weights w_k = ρ_k/(ρ_k + λ_eff), which move as λ is turned.
public struct InspectScreen {
  let data: InspectData
  var state: InspectState
  let grid: InspectGrid

  public init(data: InspectData, lambda: Double, curvatureFloor: Double) {
    self.data = data
    state = InspectState(lambda: lambda, curvatureFloor: curvatureFloor)
    let first = data.stages.first
    grid = InspectGrid(modules: data.rows.filter { $0.stage == first })
  }

  public var lambda: Double { state.lambda }
  var stage: Int? { data.stages.isEmpty ? nil : data.stages[min(state.stageIndex, data.stages.count - 1)] }
  /// λ_eff from the engine's one definition (λ is stepped by a factor, so it stays finite and ≥ 0).
  var lambdaEff: Double {
    (try? ProximalStrength(lambda: state.lambda, adaptedLinears: max(data.adaptedLinears, 1)))?.effective ?? 0
  }

  /// The row of the selected module at the current stage.
  var selectedRow: ModulePenalty? {
    guard let stage else { return nil }
    return data.rows.first { $0.stage == stage && grid.cells[$0.module] == state.selected }
  }

  /// Handles a key through the key table's inspect context (KeyMap.swift); returns false when
  /// the screen should close.
  public mutating func handle(_ key: Key) -> Bool {
    guard let action = KeyMap.standard.action(for: .key(key), context: .inspect) else { return true }
    switch action {
    case .quit: return false
    case .layerPrev: state.selected.row = max(0, state.selected.row - 1)
    case .layerNext: state.selected.row = min(grid.rowLabels.count - 1, state.selected.row + 1)
    case .modulePrev: state.selected.col = max(0, state.selected.col - 1)
    case .moduleNext: state.selected.col = min(grid.columnLabels.count - 1, state.selected.col + 1)
    case .stagePrev: state.stageIndex = max(0, state.stageIndex - 1)
    case .stageNext: state.stageIndex = min(max(data.stages.count - 1, 0), state.stageIndex + 1)
    case .precisionToggle: state.showBF16.toggle()
    // The training screen's λ ladder (LambdaLadder.swift): equal presses, equal ratios.
    case .lambdaUp: state.lambda = LambdaLadder.up(from: state.lambda)
    case .lambdaDown: state.lambda = LambdaLadder.down(from: state.lambda)
    case .lambdaTimesTen: state.lambda = LambdaLadder.timesTen(from: state.lambda)
    case .lambdaDividedByTen: state.lambda = LambdaLadder.dividedByTen(from: state.lambda)
    case .lambdaZero: state.lambda = 0
    default: break
    }
    return true
  }

  /// Draws the whole screen.
  public func draw(into canvas: inout some Canvas, glyphs: GlyphSet) {
    let size = canvas.size
    let full = Rect(row: 0, col: 0, width: size.cols, height: size.rows)
    canvas.clear(full)
    guard size.rows >= 12, size.cols >= 50 else {
      canvas.put(row: 0, col: 0, text: "window too small for the inspect screen", style: .warn, clippedTo: full)
      return
    }
    let stageText = stage.map { "stage \($0) vs \($0 - 1)" } ?? "one stage only"
    canvas.put(row: 0, col: 0, text: "lorascope · imported run (read-only, no training) · \(data.runPath) · \(stageText)", style: .title, clippedTo: full)
    let source = stage.map { data.sources.indices.contains($0) ? data.sources[$0] : "" } ?? (data.sources.first ?? "")
    canvas.put(row: 1, col: 0, text: "from \(source)", style: .dim, clippedTo: full)
    canvas.put(
      row: 2, col: 0,
      text: String(format: "λ = %g · |L| = %d · λ_eff = %.4g · P_g shown: %@", state.lambda, data.adaptedLinears, lambdaEff,
                   state.showBF16 ? "bf16 (released code)" : "exact (float64)"),
      style: .accent, clippedTo: full)
    KeyBar(context: .inspect).draw(into: &canvas, rect: Rect(row: size.rows - 1, col: 0, width: size.cols, height: 1), glyphs: glyphs)

    let body = Rect(row: 3, col: 0, width: size.cols, height: size.rows - 4)
    let leftWidth = data.spectrum == nil ? body.width : body.width * 3 / 5
    let left = Rect(row: body.row, col: 0, width: leftWidth, height: body.height)
    drawPenalties(into: &canvas, rect: left, glyphs: glyphs)
    if data.spectrum != nil {
      drawSpectrum(into: &canvas, rect: Rect(row: body.row, col: leftWidth, width: body.width - leftWidth, height: body.height), glyphs: glyphs)
    }
  }

  func drawPenalties(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let detailHeight = 6
    let mapRect = Rect(row: rect.row, col: rect.col, width: rect.width, height: max(rect.height - detailHeight, 3))
    let inner = Box(title: "P_g per module", trailer: selectedRow?.module ?? "").draw(into: &canvas, rect: mapRect, glyphs: glyphs)
    guard let stage, !inner.isEmpty else {
      if !inner.isEmpty { CenteredMessage.draw("one stage only: penalties need stages t ≥ 1", into: &canvas, rect: inner, glyphs: glyphs) }
      return
    }
    var values = [[Double]](repeating: [Double](repeating: .nan, count: grid.columnLabels.count), count: grid.rowLabels.count)
    for row in data.rows where row.stage == stage {
      guard let cell = grid.cells[row.module] else { continue }
      values[cell.row][cell.col] = state.showBF16 ? row.penaltyBF16 : row.penaltyExact
    }
    Heatmap(rowLabels: grid.rowLabels, columnLabels: grid.columnLabels, values: values, selected: state.selected, scale: .log10)
      .draw(into: &canvas, rect: inner, glyphs: glyphs)

    let detail = Rect(row: mapRect.bottom, col: rect.col, width: rect.width, height: rect.height - mapRect.height)
    let box = Box(title: "selected module").draw(into: &canvas, rect: detail, glyphs: glyphs)
    guard let row = selectedRow, !box.isEmpty else { return }
    let stiffness = lambdaEff * row.hMax
    let verdict = PenaltyInspection.verdict(exact: row.penaltyExact, bf16: row.penaltyBF16, stiffness: stiffness, curvatureFloor: state.curvatureFloor)
    let lines = [
      String(format: "P exact %.4g · P bf16 %.4g · ½ΔᵀHΔ %.4g · m = %d", row.penaltyExact, row.penaltyBF16, row.penaltyQuadratic, row.entries),
      String(format: "‖Δ‖_F %.4g · ‖Δ‖_H %.4g · h_max %.4g · h_min>0 %.4g", row.displacementFro, row.displacementH, row.hMax, row.hMinPositive),
      String(format: "λ_eff·h_max = %.4g (floor %.3g) · verdict: %@", stiffness, state.curvatureFloor, verdict),
    ]
    for (i, line) in lines.enumerated() where i < box.height {
      canvas.put(row: box.row + i, col: box.col, text: line, style: i == 2 && verdict != "may hold" ? .warn : .normal, clippedTo: box)
    }
  }

  func drawSpectrum(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard let (stage, label, spectrum) = data.spectrum else { return }
    let inner = Box(title: "ρ_k and w_k, stage \(stage)", trailer: label).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    let counts = spectrum.directionCounts(lambdaEff: lambdaEff)
    let summary = String(format: "w > ½: %d · w ≤ ½: %d · Σw = %.2f", counts.plastic, counts.stable, spectrum.effectiveDimension(lambdaEff: lambdaEff))
    canvas.put(row: inner.row, col: inner.col, text: summary, style: .accent, clippedTo: inner)
    let plot = Rect(row: inner.row + 1, col: inner.col, width: inner.width, height: inner.height - 1)
    let data = SpectrumData(
      rho: spectrum.rho, lambdaEffective: lambdaEff, shiftRho: spectrum.shiftRho, nullCount: spectrum.gaugeCount,
      epsilon: spectrum.eps.min(), note: "n = \(spectrum.sampleCount), p = \(spectrum.dimension)")
    SpectrumPlot(data: data).draw(into: &canvas, rect: plot, glyphs: glyphs)
  }

  /// Runs the screen until `q`: redraws after every key and resize.
  public static func run(data: InspectData, lambda: Double, curvatureFloor: Double, options: NcursesScreen.Options) throws -> Int32 {
    let screen = try NcursesScreen(options: options)
    defer { screen.close() }
    var inspect = InspectScreen(data: data, lambda: lambda, curvatureFloor: curvatureFloor)
    while true {
      screen.frame { canvas in inspect.draw(into: &canvas, glyphs: screen.glyphs) }
      guard let event = screen.nextEvent(timeoutMS: -1) else { continue }
      switch event {
      case .key(let key): if !inspect.handle(key) { return 0 }
      case .terminate: return 0
      case .resize, .mouse: continue
      }
    }
  }
}
