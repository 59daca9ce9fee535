/// The panels of the main screen; the raw value is the key that toggles it
/// (`1`–`5`, `Action.togglePanel`).
public enum Panel: Int, CaseIterable, Hashable, Sendable {
  case loss = 1
  case modules = 2
  case spectrum = 3
  case metrics = 4
  case keyBar = 5

  /// The name used in box titles and the "hidden" notice (Panel.table).
  public var title: String { spec.title }

  /// Smallest height (border included) at which the panel is worth drawing.
  public var minimumHeight: Int { spec.minimumHeight }

  /// Share of the spare rows the panel takes in its column.
  var weight: Int { spec.weight }

  /// Panels given up first when space runs out: metrics, then the per-module
  /// penalty, then the spectrum. The loss chart stays to the end.
  public static let dropOrder: [Panel] =
    table.filter { $0.dropRank != nil }.sorted { $0.dropRank! < $1.dropRank! }.map(\.panel)
}

/// Where everything goes on a screen of a given size.
public struct ScreenLayout: Equatable, Sendable {
  public var size: TerminalSize
  /// `true` below `Layout.minimumSize`: draw `TooSmall` and nothing else.
  public var isTooSmall: Bool
  /// The header: 2 rows on tall terminals, 1 otherwise.
  public var header: Rect?
  /// The rectangle of every panel shown (boxes included), key bar too.
  public var panels: [Panel: Rect]
  /// Panels that were asked for but did not fit, in drop order.
  public var dropped: [Panel]

  /// The rectangle of `panel`, or `nil` when it is hidden or dropped.
  public func rect(for panel: Panel) -> Rect? { panels[panel] }

  /// The panel under a screen cell (for mouse clicks).
  public func panel(atRow row: Int, col: Int) -> Panel? {
    panels.first { $0.value.contains(row: row, col: col) }?.key
  }
}

/// A pure function from terminal size and visible panels to rectangles
/// (Docs/Design.md §7): header on top, key bar at the bottom, and in between the
/// loss chart and per-module penalty on the left, the spectrum and metrics
/// on the right. Narrow terminals stack the panels in one column. When the
/// panels do not fit at their minimum heights they are dropped in
/// `Panel.dropOrder`; below `minimumSize` the layout gives up (`TooSmall`).
public enum Layout {
  /// The hard minimum: header, loss chart, spectrum and key bar in one column.
  public static let minimumSize = TerminalSize(rows: 20, cols: 64)
  /// From this width on, the panels sit in two columns.
  public static let twoColumnWidth = 80
  /// From this height on, the header has two rows.
  public static let tallHeaderHeight = 30

  public static func compute(size: TerminalSize, visible: Set<Panel> = Set(Panel.allCases)) -> ScreenLayout {
    var layout = ScreenLayout(size: size, isTooSmall: false, header: nil, panels: [:], dropped: [])
    guard size.covers(minimumSize) else {
      layout.isTooSmall = true
      return layout
    }
    let headerRows = size.rows >= tallHeaderHeight ? 2 : 1
    layout.header = Rect(row: 0, col: 0, width: size.cols, height: headerRows)
    var bodyBottom = size.rows
    if visible.contains(.keyBar) {
      layout.panels[.keyBar] = Rect(row: size.rows - 1, col: 0, width: size.cols, height: 1)
      bodyBottom -= 1
    }
    let body = Rect(row: headerRows, col: 0, width: size.cols, height: bodyBottom - headerRows)

    if size.cols >= twoColumnWidth {
      let left = Panel.panels(in: .left).filter(visible.contains)
      let right = Panel.panels(in: .right).filter(visible.contains)
      if left.isEmpty || right.isEmpty {
        stack(left + right, in: body, into: &layout)
      } else {
        let leftWidth = body.width / 2
        stack(left, in: Rect(row: body.row, col: body.col, width: leftWidth, height: body.height), into: &layout)
        stack(
          right, in: Rect(row: body.row, col: body.col + leftWidth, width: body.width - leftWidth, height: body.height),
          into: &layout)
      }
    } else {
      stack(Panel.narrowOrder.filter(visible.contains), in: body, into: &layout)
    }
    layout.dropped.sort { Panel.dropOrder.firstIndex(of: $0) ?? 0 < Panel.dropOrder.firstIndex(of: $1) ?? 0 }
    return layout
  }

  /// Stacks `panels` top to bottom in `column`, dropping in `Panel.dropOrder`
  /// until their minimum heights fit, then sharing spare rows by weight.
  private static func stack(_ panels: [Panel], in column: Rect, into layout: inout ScreenLayout) {
    var kept = panels
    while kept.reduce(0, { $0 + $1.minimumHeight }) > column.height {
      guard let victim = Panel.dropOrder.first(where: kept.contains) else { break }
      kept.removeAll { $0 == victim }
      layout.dropped.append(victim)
    }
    let minimum = kept.reduce(0) { $0 + $1.minimumHeight }
    guard !kept.isEmpty, minimum <= column.height else {
      layout.dropped.append(contentsOf: kept.filter { $0.spec.dropRank != nil })
      return
    }
    let spare = column.height - minimum
    let totalWeight = max(1, kept.reduce(0) { $0 + $1.weight })
    var heights = kept.map { $0.minimumHeight + spare * $0.weight / totalWeight }
    heights[0] += column.height - heights.reduce(0, +)  // rounding leftovers to the first panel
    var row = column.row
    for (panel, height) in zip(kept, heights) {
      layout.panels[panel] = Rect(row: row, col: column.col, width: column.width, height: height)
      row += height
    }
  }
}
