/// A (row, column) position in a grid.
public struct GridIndex: Hashable, Sendable {
  public var row: Int
  public var col: Int

  public init(row: Int, col: Int) {
    self.row = row
    self.col = col
  }
}

/// A grid of values drawn as shades (` ░▒▓█`, ASCII ` .:*#`) with row and
/// column labels: the per-module penalty as layers × modules {q,k,v,o,gate,
/// up,down} (Docs/Design.md §7).
///
/// Every cell carries its level twice, in the shade glyph and in the
/// `heat(0…7)` style, so the map reads in monochrome too. The selected cell
/// is framed by `[` `]` and its row and column labels are highlighted; a
/// scale line at the bottom gives the values of the lightest and darkest shade.
/// NaN cells show `?`. Rows and columns scroll to keep the selection visible.
public struct Heatmap: Sendable {
  public var rowLabels: [String]
  public var columnLabels: [String]
  /// `values[row][col]`; missing entries count as NaN.
  public var values: [[Double]]
  public var selected: GridIndex?
  public var scale: AxisScale
  public var showScale: Bool

  public init(
    rowLabels: [String], columnLabels: [String], values: [[Double]],
    selected: GridIndex? = nil, scale: AxisScale = .linear, showScale: Bool = true
  ) {
    self.rowLabels = rowLabels
    self.columnLabels = columnLabels
    self.values = values
    self.selected = selected
    self.scale = scale
    self.showScale = showScale
  }

  /// The value at (row, col), NaN when missing.
  public func value(row: Int, col: Int) -> Double {
    guard row >= 0, row < values.count, col >= 0, col < values[row].count else { return .nan }
    return values[row][col]
  }

  /// The range the shades span: from 0 (or the smallest value if negative) to
  /// the largest value; on a log scale from the smallest to the largest
  /// positive value, in log10. `nil` when no value can be shown.
  func range() -> (low: Double, high: Double)? {
    var low = Double.infinity, high = -Double.infinity
    for row in values {
      for v in row {
        guard let p = position(v) else { continue }
        low = min(low, p)
        high = max(high, p)
      }
    }
    guard low.isFinite else { return nil }
    if scale == .linear { low = min(low, 0) }
    return (low, high)
  }

  private func position(_ v: Double) -> Double? {
    guard v.isFinite else { return nil }
    switch scale {
    case .linear: return v
    case .log10: return v > 0 ? v.log10Value : nil
    }
  }

  /// Fraction of the range in [0, 1]; `nil` for values that cannot be shown.
  /// A value equal to the bottom of a linear range is exactly 0 (blank).
  func fraction(_ v: Double, range: (low: Double, high: Double)) -> Double? {
    if scale == .log10 && v.isFinite && v <= 0 { return 0 }
    guard let p = position(v) else { return nil }
    guard range.high > range.low else { return p > 0 || scale == .log10 ? 1 : 0 }
    return min(max((p - range.low) / (range.high - range.low), 0), 1)
  }

  /// Shade index 0–4 and heat level 0–7 for a fraction.
  static func shadeAndLevel(_ t: Double) -> (shade: Int, level: Int) {
    guard t > 0 else { return (0, 0) }
    return (1 + min(3, Int(t * 4)), min(CellStyle.maxHeatLevel, Int(t * 8)))
  }

  /// Where the cells go in `rect`: label column, cell width, scrolled windows.
  struct Geometry {
    var labelWidth: Int
    var gridLeft: Int
    var cellWidth: Int
    var visibleCols: Int
    var firstCol: Int
    var scaleRows: Int
    var visibleRows: Int
    var firstRow: Int

    /// The screen column of the first character of visible column `c`.
    func cellCol(_ c: Int) -> Int { gridLeft + c * (cellWidth + 1) + 1 }
  }

  func geometry(rect: Rect, glyphs: GlyphSet) -> Geometry? {
    guard rect.width >= 4, rect.height >= 2, !rowLabels.isEmpty, !columnLabels.isEmpty else { return nil }
    let labelWidth = min(rowLabels.map { DisplayWidth.of(glyphs.text($0)) }.max() ?? 0, max(1, rect.width / 4))
    let gridLeft = rect.col + labelWidth + 1
    let available = rect.right - gridLeft
    // Each cell is as wide as the widest column label (at least 2), plus a separator.
    var cellWidth = max(2, columnLabels.map { DisplayWidth.of(glyphs.text($0)) }.max() ?? 1)
    while cellWidth > 1 && columnLabels.count * (cellWidth + 1) > available { cellWidth -= 1 }
    let visibleCols = max(1, min(columnLabels.count, available / (cellWidth + 1)))
    let scaleRows = showScale && rect.height >= 4 ? 1 : 0
    let visibleRows = max(0, min(rowLabels.count, rect.height - 1 - scaleRows))
    return Geometry(
      labelWidth: labelWidth, gridLeft: gridLeft, cellWidth: cellWidth, visibleCols: visibleCols,
      firstCol: Heatmap.window(count: columnLabels.count, visible: visibleCols, around: selected?.col),
      scaleRows: scaleRows, visibleRows: visibleRows,
      firstRow: Heatmap.window(count: rowLabels.count, visible: visibleRows, around: selected?.row))
  }

  /// The grid cell drawn at screen position (row, col) when the map was drawn
  /// in `rect` (for mouse clicks); `nil` outside the cells.
  public func cell(atRow row: Int, col: Int, rect: Rect, glyphs: GlyphSet) -> GridIndex? {
    guard let g = geometry(rect: rect, glyphs: glyphs) else { return nil }
    let r = row - rect.row - 1
    guard r >= 0, r < g.visibleRows else { return nil }
    let offset = col - g.gridLeft - 1
    guard offset >= 0 else { return nil }
    let c = offset / (g.cellWidth + 1)
    guard c < g.visibleCols, offset % (g.cellWidth + 1) < g.cellWidth else { return nil }
    return GridIndex(row: g.firstRow + r, col: g.firstCol + c)
  }

  public func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard let g = geometry(rect: rect, glyphs: glyphs) else { return }
    let (labelWidth, cellWidth, visibleCols, firstCol) = (g.labelWidth, g.cellWidth, g.visibleCols, g.firstCol)
    let (scaleRows, visibleRows, firstRow) = (g.scaleRows, g.visibleRows, g.firstRow)
    let range = self.range()

    // Column labels.
    for c in 0..<visibleCols {
      let index = firstCol + c
      let isSelected = selected?.col == index
      let text = DisplayWidth.truncate(glyphs.text(columnLabels[index]), to: cellWidth, ellipsis: "")
      canvas.put(
        row: rect.row, col: g.cellCol(c), text: text,
        style: isSelected ? .selected : .title)
    }
    // Rows.
    for r in 0..<visibleRows {
      let index = firstRow + r
      let row = rect.row + 1 + r
      let label = DisplayWidth.pad(
        DisplayWidth.truncate(glyphs.text(rowLabels[index]), to: labelWidth, ellipsis: glyphs.ellipsis),
        to: labelWidth, alignRight: true)
      canvas.put(row: row, col: rect.col, text: label, style: selected?.row == index ? .selected : .title)
      for c in 0..<visibleCols {
        let col = firstCol + c
        let cellCol = g.cellCol(c)
        let v = value(row: index, col: col)
        let cellText: String
        let style: CellStyle
        if let range, let t = fraction(v, range: range) {
          let (shade, level) = Heatmap.shadeAndLevel(t)
          cellText = String(repeating: String(glyphs.heatShades[shade]), count: cellWidth)
          style = .heat(level)
        } else {
          cellText = String(repeating: "?", count: cellWidth)
          style = .bad
        }
        canvas.put(row: row, col: cellCol, text: cellText, style: style)
        if selected == GridIndex(row: index, col: col) {
          canvas.put(row: row, col: cellCol - 1, text: "[", style: .accent)
          canvas.put(row: row, col: cellCol + cellWidth, text: "]", style: .accent)
        }
      }
    }
    if scaleRows == 1, let range {
      // Right under the grid, not at the bottom of a tall panel.
      drawScale(into: &canvas, row: rect.row + 1 + visibleRows, rect: rect, range: range, glyphs: glyphs)
    }
  }

  /// "scale 0 ░▒▓█ 1.2e-3": the values at either end of the shades.
  private func drawScale(
    into canvas: inout some Canvas, row: Int, rect: Rect, range: (low: Double, high: Double),
    glyphs: GlyphSet
  ) {
    let unit: (Double) -> Double = { self.scale == .log10 ? NumberFormat.power10Real($0) : $0 }
    var col = rect.col
    col += canvas.put(
      row: row, col: col, text: "scale " + NumberFormat.compact(unit(range.low)) + " ", style: .dim,
      clippedTo: rect)
    for shade in 1...4 {
      col += canvas.put(
        row: row, col: col, text: String(glyphs.heatShades[shade]), style: .heat(shade * 2 - 1),
        clippedTo: rect)
    }
    let suffix = " " + NumberFormat.compact(unit(range.high)) + (scale == .log10 ? " (log)" : "")
    canvas.put(row: row, col: col, text: suffix, style: .dim, clippedTo: rect)
  }

  /// The first index of a window of `visible` items out of `count` that keeps
  /// `around` (if any) inside, roughly centred.
  static func window(count: Int, visible: Int, around: Int?) -> Int {
    guard visible > 0, count > visible, let around else { return 0 }
    let a = min(max(around, 0), count - 1)
    return min(max(0, a - visible / 2), count - visible)
  }
}
