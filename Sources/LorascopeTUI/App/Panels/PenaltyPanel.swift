import LorascopeEngine

/// The per-module penalty P_g (Docs/Design.md §7): a layers × modules heat map, or
/// the modules as bars, largest first (`b` switches). When the panel has rows
/// to spare under the map, the largest P_g follow as bars. The selected
/// module is framed in the map, reversed in the bars, and named with its value
/// in the border.
struct PenaltyPanel {
  let state: DashboardState
  let snapshot: DashboardSnapshot

  /// Rows of bars worth adding under the heat map.
  static let minimumExtraBars = 3
  /// From this inner height on, the last row compares the exact and the bf16 penalty.
  static let precisionLineHeight = 6

  /// The selected module's penalty of the last finished stage exactly and in the released
  /// code's bf16 arithmetic, with the cosine of their gradients (issue 11 item 5).
  /// The long form when it fits `width`, else a short one (80 columns give the panel 38).
  func precisionLine(width: Int, glyphs: GlyphSet) -> String? {
    guard let precision = snapshot.precision, state.selectedModule < precision.rows.count else { return nil }
    let row = precision.rows[state.selectedModule]
    let cosine = row.gradientCosine.map { NumberFormat.fixed($0, decimals: 4) } ?? "–"
    let long = glyphs.text(
      "stage \(precision.stage) P exact \(NumberFormat.compact(row.exact, significant: 4))"
        + " · bf16 \(NumberFormat.compact(row.bf16, significant: 4)) · ∇ cos \(cosine)")
    if DisplayWidth.of(long) <= width { return long }
    let shortCosine = row.gradientCosine.map { NumberFormat.fixed($0, decimals: 3) } ?? "–"
    return glyphs.text(
      "exact \(NumberFormat.compact(row.exact)) bf16 \(NumberFormat.compact(row.bf16)) ∇cos \(shortCosine)")
  }

  /// Draws the panel and records where the modules went (for mouse clicks).
  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, hits: inout HitMap) {
    let modules = snapshot.run.modules
    let values = snapshot.modulePenalty
    let selected = state.selectedModule
    var trailer = ""
    if selected < modules.count {
      trailer = modules[selected].shortName
      if selected < values.count { trailer += " " + NumberFormat.compact(values[selected]) }
    }
    var title = state.penaltyView == .bars ? "P_g, largest first" : "P_g per module"
    // A finished stage (g): which stage's end, in few enough cells for 80 columns.
    if let shown = snapshot.shownStage { title = "P_g, stage \(shown) end" }
    var inner = Box(title: title, trailer: trailer).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    if inner.height >= PenaltyPanel.precisionLineHeight, let line = precisionLine(width: inner.width, glyphs: glyphs) {
      canvas.put(row: inner.bottom - 1, col: inner.col, text: line, style: .dim, clippedTo: inner)
      inner = Rect(row: inner.row, col: inner.col, width: inner.width, height: inner.height - 1)
    }
    let message: String?
    if values.isEmpty || values.count != modules.count {
      if snapshot.shownStage == 0 || (snapshot.shownStage == nil && snapshot.stage == 0) {
        message = "stage 0 has no anchor: P_g starts at stage 1"
      } else if let shown = snapshot.shownStage {
        message = "log.jsonl holds no P_g of stage \(shown)"
      } else if snapshot.activity == .finished {
        message = "the run is finished: g shows a stage"
      } else {
        message = "P_g appears with the stage's first step"
      }
    } else if !values.contains(where: { $0 > 0 && $0.isFinite }) && !values.contains(where: { !$0.isFinite }) {
      message = "every P_g is 0: the adapter is still at its anchor"
    } else {
      message = nil
    }
    if let message {
      CenteredMessage.draw(message, into: &canvas, rect: inner, glyphs: glyphs)
      return
    }
    switch state.penaltyView {
    case .heatmap:
      let grid = state.grid
      // Labels, one row per layer and factor, and the scale line.
      let mapHeight = min(inner.height, grid.rowLabels.count + 2)
      let spare = inner.height - mapHeight - 1
      let mapRect = Rect(
        row: inner.row, col: inner.col, width: inner.width, height: spare >= PenaltyPanel.minimumExtraBars ? mapHeight : inner.height)
      let map = Heatmap(
        rowLabels: grid.rowLabels, columnLabels: grid.columnLabels, values: grid.values(values),
        selected: selected < grid.cells.count ? grid.cells[selected] : nil, scale: .log10)
      map.draw(into: &canvas, rect: mapRect, glyphs: glyphs)
      hits.heatmap = (map, mapRect)
      if spare >= PenaltyPanel.minimumExtraBars {
        let barsRect = Rect(row: mapRect.bottom + 1, col: inner.col, width: inner.width, height: spare)
        drawBars(values: values, into: &canvas, rect: barsRect, glyphs: glyphs, hits: &hits, keepSelected: false)
      }
    case .bars:
      drawBars(values: values, into: &canvas, rect: inner, glyphs: glyphs, hits: &hits, keepSelected: true)
    }
  }

  /// The modules as bars, largest P_g first (NaN first of all: it needs
  /// looking at). `keepSelected` scrolls to the selected module; otherwise the
  /// top of the list shows.
  private func drawBars(
    values: [Double], into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, hits: inout HitMap,
    keepSelected: Bool
  ) {
    let modules = snapshot.run.modules
    let order = values.indices.sorted { lhs, rhs in
      let a = values[lhs].isFinite ? values[lhs] : .infinity
      let b = values[rhs].isFinite ? values[rhs] : .infinity
      return a != b ? a > b : lhs < rhs
    }
    let position = order.firstIndex(of: state.selectedModule)
    let shown = keepSelected ? order : Array(order.prefix(rect.height))
    let selectedIndex = keepSelected ? position : position.flatMap { $0 < shown.count ? $0 : nil }
    let bars = Bars(
      items: shown.map { BarItem(label: modules[$0].shortName, value: values[$0]) }, selectedIndex: selectedIndex)
    bars.draw(into: &canvas, rect: rect, glyphs: glyphs)
    hits.bars = (bars, rect, shown)
  }
}
