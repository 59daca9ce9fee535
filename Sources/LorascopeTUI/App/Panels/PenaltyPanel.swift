import LorascopeEngine

/// The per-module penalty P_g (DESIGN.md §7): a layers × modules heat map, or
/// the modules as bars, largest first. The selected module is framed in the
/// map and reversed in the bars, and named with its value in the border.
struct PenaltyPanel {
  let state: DashboardState
  let snapshot: DashboardSnapshot

  /// Draws the panel and returns where the modules went (for mouse clicks).
  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, hits: inout HitMap) {
    let modules = snapshot.run.modules
    let values = snapshot.modulePenalty
    let selected = state.selectedModule
    var trailer = ""
    if selected < modules.count {
      trailer = modules[selected].shortName
      if selected < values.count { trailer += " " + NumberFormat.compact(values[selected]) }
    }
    let title = "P_g per module" + (state.penaltyView == .bars ? " (sorted)" : "")
    let inner = Box(title: title, trailer: trailer).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    guard !values.isEmpty, values.count == modules.count else {
      let message =
        snapshot.stage == 0
        ? "stage 0 has no anchor: P_g starts at stage 1" : "P_g appears with the first step of the stage"
      let text = DisplayWidth.truncate(glyphs.text(message), to: inner.width, ellipsis: glyphs.ellipsis)
      canvas.put(
        row: inner.row + (inner.height - 1) / 2, col: inner.col + max(0, (inner.width - DisplayWidth.of(text)) / 2),
        text: text, style: .dim)
      return
    }
    switch state.penaltyView {
    case .heatmap:
      let grid = state.grid
      let map = Heatmap(
        rowLabels: grid.rowLabels, columnLabels: grid.columnLabels, values: grid.values(values),
        selected: selected < grid.cells.count ? grid.cells[selected] : nil, scale: .log10)
      map.draw(into: &canvas, rect: inner, glyphs: glyphs)
      hits.heatmap = (map, inner)
    case .bars:
      let order = values.indices.sorted { lhs, rhs in
        let a = values[lhs].isFinite ? values[lhs] : .infinity
        let b = values[rhs].isFinite ? values[rhs] : .infinity
        return a != b ? a > b : lhs < rhs
      }
      let bars = Bars(
        items: order.map { BarItem(label: modules[$0].shortName, value: values[$0]) },
        selectedIndex: order.firstIndex(of: selected))
      bars.draw(into: &canvas, rect: inner, glyphs: glyphs)
      hits.bars = (bars, inner, order)
    }
  }
}
