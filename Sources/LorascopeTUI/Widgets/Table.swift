/// One column of a `Table`.
public struct TableColumn: Sendable {
  public enum Alignment: Sendable {
    case left
    case right
  }

  public var title: String
  public var alignment: Alignment

  public init(_ title: String, alignment: Alignment = .right) {
    self.title = title
    self.alignment = alignment
  }
}

/// One cell of a `Table`: text plus an optional style (to tell the diagonal
/// of R[t][j], plasticity, from the part below it, stability).
public struct TableCell: Sendable, ExpressibleByStringLiteral {
  public var text: String
  public var style: CellStyle?

  public init(_ text: String, style: CellStyle? = nil) {
    self.text = text
    self.style = style
  }

  public init(stringLiteral value: String) { self.init(value) }
}

/// An aligned table with a header row: the metrics per stage and the R[t][j]
/// matrix (Docs/Design.md §5, §7).
///
/// Column widths fit the widest cell; when the table is too wide the columns
/// that do not fit are left out from the right, and an ellipsis after the
/// header says so. When there
/// are more rows than space, the selected row is kept visible, otherwise the
/// last rows are shown (the newest stage).
public struct Table: Sendable {
  public var columns: [TableColumn]
  public var rows: [[TableCell]]
  public var selectedRow: Int?
  /// Space between columns.
  public var gap: Int

  public init(columns: [TableColumn], rows: [[TableCell]], selectedRow: Int? = nil, gap: Int = 2) {
    self.columns = columns
    self.rows = rows
    self.selectedRow = selectedRow
    self.gap = gap
  }

  /// The natural width of every column: its widest cell or title.
  public func naturalWidths(glyphs: GlyphSet = .braille) -> [Int] {
    columns.enumerated().map { index, column in
      rows.reduce(DisplayWidth.of(glyphs.text(column.title))) { current, row in
        index < row.count ? max(current, DisplayWidth.of(glyphs.text(row[index].text))) : current
      }
    }
  }

  /// The widths of the columns shown in `width` cells: as many whole columns
  /// as fit, left to right (a number cut short would mislead, so columns are
  /// dropped, not squeezed). Only a lone first column is cut to fit.
  public func columnWidths(fitting width: Int, glyphs: GlyphSet = .braille) -> [Int] {
    let natural = naturalWidths(glyphs: glyphs)
    guard let first = natural.first else { return [] }
    var widths = [min(first, width)]
    var used = widths[0]
    for w in natural.dropFirst() {
      guard used + gap + w <= width else { break }
      widths.append(w)
      used += gap + w
    }
    return widths
  }

  public func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard rect.width > 0, rect.height > 0, !columns.isEmpty else { return }
    let widths = columnWidths(fitting: rect.width, glyphs: glyphs)
    func drawRow(_ cells: [TableCell], row: Int, defaultStyle: CellStyle, selected: Bool) {
      if selected {
        canvas.fill(Rect(row: row, col: rect.col, width: rect.width, height: 1), with: " ", style: .selected)
      }
      var col = rect.col
      for (index, column) in columns.enumerated().prefix(widths.count) {
        let cell = index < cells.count ? cells[index] : TableCell("")
        let text = DisplayWidth.pad(
          DisplayWidth.truncate(glyphs.text(cell.text), to: widths[index], ellipsis: glyphs.ellipsis),
          to: widths[index], alignRight: column.alignment == .right)
        let style = selected ? .selected : (cell.style ?? defaultStyle)
        canvas.put(row: row, col: col, text: text, style: style, clippedTo: rect)
        col += widths[index] + gap
        if col >= rect.right { break }
      }
    }
    drawRow(columns.map { TableCell($0.title) }, row: rect.row, defaultStyle: .title, selected: false)
    if widths.count < columns.count {
      let used = widths.reduce(0, +) + (widths.count - 1) * gap
      if used + 1 + DisplayWidth.of(glyphs.ellipsis) <= rect.width {
        canvas.put(row: rect.row, col: rect.col + used + 1, text: glyphs.ellipsis, style: .dim)
      }
    }
    let bodyRows = rect.height - 1
    guard bodyRows > 0 else { return }
    let first: Int
    if rows.count <= bodyRows {
      first = 0
    } else if let selectedRow {
      first = Heatmap.window(count: rows.count, visible: bodyRows, around: selectedRow)
    } else {
      first = rows.count - bodyRows
    }
    for (offset, cells) in rows[first..<min(rows.count, first + bodyRows)].enumerated() {
      drawRow(cells, row: rect.row + 1 + offset, defaultStyle: .normal, selected: first + offset == selectedRow)
    }
  }
}

extension Table {
  /// The R[t][j] matrix of Docs/Design.md §5: row t is the state after stage t,
  /// column j the test users of block j. The diagonal (plasticity, j = t) is
  /// in the accent style, the part below it (stability, j < t) normal, and
  /// cells above it or missing (`nil`) show a dash.
  public static func stageMatrix(
    _ values: [[Double?]], decimals: Int = 4, corner: String = "t\\j", selectedRow: Int? = nil
  ) -> Table {
    let blocks = values.map(\.count).max() ?? 0
    let columns = [TableColumn(corner, alignment: .left)] + (0..<blocks).map { TableColumn("\($0)") }
    let rows = values.enumerated().map { t, row -> [TableCell] in
      [TableCell("\(t)", style: .title)]
        + (0..<blocks).map { j in
          guard j <= t, j < row.count, let value = row[j] else { return TableCell("-", style: .dim) }
          return TableCell(NumberFormat.fixed(value, decimals: decimals), style: j == t ? .accent : nil)
        }
    }
    return Table(columns: columns, rows: rows, selectedRow: selectedRow)
  }
}
