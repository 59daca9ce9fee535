/// A body panel of the training screen: it draws into the rectangle the layout gives it and
/// reports where its clickable cells went.
protocol DashboardPanel {
  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, hits: inout HitMap)
}

/// One row of the panel table: everything the layout, the renderer and the key table need to
/// know of a panel. A new panel is one file (its `DashboardPanel`) plus one row here.
struct PanelSpec: Sendable {
  /// Where the panel sits when the screen has two columns.
  enum Column: Sendable { case left, right }

  let panel: Panel
  /// The name used in box titles and the "hidden" notice.
  let title: String
  /// What its toggle key shows or hides, in the help ("the loss chart").
  let helpName: String
  /// Smallest height (border included) at which the panel is worth drawing.
  let minimumHeight: Int
  /// Share of the spare rows the panel takes in its column.
  let weight: Int
  /// Its column on wide screens; nil for the key bar, which spans the bottom row.
  let column: Column?
  /// Its place, top to bottom, when the screen has one column.
  let narrowPosition: Int
  /// When it is given up as space runs out: lower first; nil: kept to the end.
  let dropRank: Int?
  /// The panel for this frame's state; nil for the key bar, which the renderer draws last.
  let make: (@Sendable (DashboardState, DashboardSnapshot) -> any DashboardPanel)?
}

extension Panel {
  /// The table, in key order (`1`–`5`).
  static let table: [PanelSpec] = [
    PanelSpec(
      panel: .loss, title: "Loss", helpName: "the loss chart", minimumHeight: 7, weight: 3, column: .left,
      narrowPosition: 0, dropRank: nil, make: { _, snapshot in LossPanel(snapshot: snapshot) }),
    PanelSpec(
      panel: .modules, title: "Penalty per module", helpName: "the per-module penalty", minimumHeight: 6, weight: 2,
      column: .left, narrowPosition: 2, dropRank: 1, make: { PenaltyPanel(state: $0, snapshot: $1) }),
    PanelSpec(
      panel: .spectrum, title: "Spectrum ρ_k and weights w_k", helpName: "the spectrum and weights", minimumHeight: 10,
      weight: 3, column: .right, narrowPosition: 1, dropRank: 2, make: { SpectrumPanel(state: $0, snapshot: $1) }),
    PanelSpec(
      panel: .metrics, title: "Metrics", helpName: "the metrics table", minimumHeight: 6, weight: 2, column: .right,
      narrowPosition: 3, dropRank: 0, make: { MetricsPanel(state: $0, snapshot: $1) }),
    PanelSpec(
      panel: .keyBar, title: "Keys", helpName: "this key bar", minimumHeight: 1, weight: 0, column: nil,
      narrowPosition: 4, dropRank: nil, make: nil),
  ]

  /// This panel's row of the table.
  var spec: PanelSpec {
    guard let row = Self.table.first(where: { $0.panel == self }) else {
      preconditionFailure("panel \(self) has no row in Panel.table")
    }
    return row
  }

  /// The panels drawn in the body (all but the key bar), in key order.
  static var bodyPanels: [Panel] { table.filter { $0.make != nil }.map(\.panel) }

  /// The body panels of one column of a wide screen, top to bottom (key order).
  static func panels(in column: PanelSpec.Column) -> [Panel] {
    table.filter { $0.column == column }.map(\.panel)
  }

  /// The body panels top to bottom on a narrow screen.
  static var narrowOrder: [Panel] {
    table.filter { $0.make != nil }.sorted { $0.narrowPosition < $1.narrowPosition }.map(\.panel)
  }
}

extension PenaltyPanel: DashboardPanel {}

// The panels without clickable cells leave the hit map as it is.
extension LossPanel: DashboardPanel {
  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, hits: inout HitMap) {
    draw(into: &canvas, rect: rect, glyphs: glyphs)
  }
}

extension SpectrumPanel: DashboardPanel {
  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, hits: inout HitMap) {
    draw(into: &canvas, rect: rect, glyphs: glyphs)
  }
}

extension MetricsPanel: DashboardPanel {
  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, hits: inout HitMap) {
    draw(into: &canvas, rect: rect, glyphs: glyphs)
  }
}
