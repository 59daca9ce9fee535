/// The size of a terminal or of a grid of cells, in character cells.
public struct TerminalSize: Hashable, Sendable, CustomStringConvertible {
  /// Number of rows (lines).
  public var rows: Int
  /// Number of columns.
  public var cols: Int

  public init(rows: Int, cols: Int) {
    self.rows = max(0, rows)
    self.cols = max(0, cols)
  }

  /// `true` when this size is at least `other` in both directions.
  public func covers(_ other: TerminalSize) -> Bool {
    rows >= other.rows && cols >= other.cols
  }

  /// "cols×rows", the way terminals describe themselves (80×24).
  public var description: String { "\(cols)×\(rows)" }
}

/// A rectangle of cells: top-left corner plus width and height.
///
/// Widgets draw only inside the rectangle they are given; the layout hands
/// out non-overlapping rectangles (Docs/Design.md §7).
public struct Rect: Hashable, Sendable, CustomStringConvertible {
  public var row: Int
  public var col: Int
  public var width: Int
  public var height: Int

  public init(row: Int, col: Int, width: Int, height: Int) {
    self.row = row
    self.col = col
    self.width = max(0, width)
    self.height = max(0, height)
  }

  /// The whole area of a screen of the given size.
  public init(size: TerminalSize) {
    self.init(row: 0, col: 0, width: size.cols, height: size.rows)
  }

  /// `true` when the rectangle holds no cell.
  public var isEmpty: Bool { width <= 0 || height <= 0 }
  /// One past the last row.
  public var bottom: Int { row + height }
  /// One past the last column.
  public var right: Int { col + width }

  /// The rectangle shrunk by `cells` on every side (never negative).
  public func inset(by cells: Int) -> Rect {
    Rect(row: row + cells, col: col + cells, width: width - 2 * cells, height: height - 2 * cells)
  }

  /// `true` when the cell (row, col) lies inside.
  public func contains(row r: Int, col c: Int) -> Bool {
    r >= row && r < bottom && c >= col && c < right
  }

  /// `true` when the two rectangles share at least one cell.
  public func intersects(_ other: Rect) -> Bool {
    !isEmpty && !other.isEmpty && row < other.bottom && other.row < bottom
      && col < other.right && other.col < right
  }

  /// The part of this rectangle that is also inside `other`.
  public func clipped(to other: Rect) -> Rect {
    let top = max(row, other.row)
    let left = max(col, other.col)
    return Rect(
      row: top, col: left,
      width: min(right, other.right) - left, height: min(bottom, other.bottom) - top)
  }

  /// One row of this rectangle (`offset` counted from its top), or an empty
  /// rectangle when the offset is outside.
  public func line(_ offset: Int) -> Rect {
    guard offset >= 0, offset < height else { return Rect(row: row, col: col, width: 0, height: 0) }
    return Rect(row: row + offset, col: col, width: width, height: 1)
  }

  public var description: String { "(\(row),\(col) \(width)×\(height))" }
}
