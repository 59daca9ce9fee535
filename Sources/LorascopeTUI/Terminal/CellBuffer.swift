/// An in-memory grid of styled cells: what a frame looks like, without a terminal.
///
/// Widgets draw into it; `text()` turns it into lines for golden-string tests
/// and `styleText()` shows the style of every cell. Each cell holds one Unicode
/// scalar; an East Asian wide character takes its cell plus a continuation cell
/// to its right, so columns stay aligned.
public struct CellBuffer: Canvas, Sendable, Equatable {
  /// Scalar value stored in the right half of a wide character.
  static let continuation: UInt32 = 0

  public private(set) var size: TerminalSize
  /// Scalar values, row-major.
  private var scalars: [UInt32]
  /// `CellStyle.code` of every cell, row-major.
  private var styles: [UInt8]

  /// A blank grid (spaces in the normal style).
  public init(size: TerminalSize) {
    self.size = size
    scalars = Array(repeating: 0x20, count: size.rows * size.cols)
    styles = Array(repeating: 0, count: size.rows * size.cols)
  }

  /// Blanks every cell.
  public mutating func reset() {
    for i in scalars.indices {
      scalars[i] = 0x20
      styles[i] = 0
    }
  }

  /// Changes the size; the grid becomes blank.
  public mutating func resize(to newSize: TerminalSize) {
    self = CellBuffer(size: newSize)
  }

  public mutating func put(row: Int, col: Int, text: String, style: CellStyle) {
    guard row >= 0, row < size.rows else { return }
    let code = style.code
    let base = row * size.cols
    var c = col
    for scalar in text.unicodeScalars {
      if c >= size.cols { break }
      var value = scalar.value
      // Control characters would move the terminal cursor: show them as '?'.
      if value < 0x20 || (0x7F...0x9F).contains(value) { value = 0x3F }
      let width = DisplayWidth.of(scalar)
      if width == 0 { continue }  // combining marks: dropped, the base glyph stays
      if c < 0 {
        c += width
        continue
      }
      if width == 2 && c + 1 >= size.cols { value = 0x20 }  // a wide glyph cut in half
      clearWideNeighbour(base: base, col: c)
      scalars[base + c] = value
      styles[base + c] = code
      if width == 2 && c + 1 < size.cols {
        clearWideNeighbour(base: base, col: c + 1)
        scalars[base + c + 1] = CellBuffer.continuation
        styles[base + c + 1] = code
      }
      c += width
    }
  }

  public mutating func fill(_ rect: Rect, with character: Character, style: CellStyle) {
    let area = rect.clipped(to: Rect(size: size))
    guard !area.isEmpty else { return }
    let scalar = character.unicodeScalars.first?.value ?? 0x20
    let value = (scalar < 0x20 || DisplayWidth.of(Unicode.Scalar(scalar) ?? " ") != 1) ? 0x20 : scalar
    let code = style.code
    for r in area.row..<area.bottom {
      let base = r * size.cols
      clearWideNeighbour(base: base, col: area.col)
      clearWideNeighbour(base: base, col: area.right - 1)
      for c in area.col..<area.right {
        scalars[base + c] = value
        styles[base + c] = code
      }
    }
  }

  /// Overwriting half of a wide character blanks its other half.
  private mutating func clearWideNeighbour(base: Int, col: Int) {
    if scalars[base + col] == CellBuffer.continuation, col > 0 {
      scalars[base + col - 1] = 0x20
    } else if col + 1 < size.cols, scalars[base + col + 1] == CellBuffer.continuation {
      scalars[base + col + 1] = 0x20
    }
  }

  /// The character in a cell ("" for the right half of a wide character).
  public func character(row: Int, col: Int) -> String {
    guard row >= 0, row < size.rows, col >= 0, col < size.cols else { return "" }
    let value = scalars[row * size.cols + col]
    if value == CellBuffer.continuation { return "" }
    return String(Unicode.Scalar(value).map(Character.init) ?? " ")
  }

  /// The style of a cell.
  public func style(row: Int, col: Int) -> CellStyle {
    guard row >= 0, row < size.rows, col >= 0, col < size.cols else { return .normal }
    return CellStyle(code: styles[row * size.cols + col])
  }

  /// One row as a string (wide characters once).
  public func line(_ row: Int) -> String {
    guard row >= 0, row < size.rows else { return "" }
    var view = String.UnicodeScalarView()
    let base = row * size.cols
    for c in 0..<size.cols {
      let value = scalars[base + c]
      if value == CellBuffer.continuation { continue }
      view.append(Unicode.Scalar(value) ?? " ")
    }
    return String(view)
  }

  /// The whole grid as lines joined by "\n"; trailing spaces are removed when
  /// `trimTrailingSpaces` is true (the default), which keeps golden strings readable.
  public func text(trimTrailingSpaces: Bool = true) -> String {
    (0..<size.rows).map { row in
      let l = line(row)
      guard trimTrailingSpaces else { return l }
      var scalars = Substring(l).unicodeScalars
      while let last = scalars.last, last == " " { scalars.removeLast() }
      return String(scalars)
    }.joined(separator: "\n")
  }

  /// The style of every cell as one letter, lines joined by "\n": `.` normal,
  /// `d` dim, `t` title, `a` accent, `g` good, `w` warn, `b` bad, `s` selected,
  /// `1`–`3` series, `A`–`H` heat levels 0–7. Golden tests read highlights with it.
  public func styleText() -> String {
    let letters: [Character] = [
      ".", "d", "t", "a", "g", "w", "b", "s", "1", "2", "3",
      "A", "B", "C", "D", "E", "F", "G", "H",
    ]
    return (0..<size.rows).map { row in
      String((0..<size.cols).map { letters[Int(styles[row * size.cols + $0])] })
    }.joined(separator: "\n")
  }

  /// Runs of cells with one style on one row, for backends that write a whole
  /// run at once: (row, first column, text, style).
  public func runs() -> [(row: Int, col: Int, text: String, style: CellStyle)] {
    var result: [(row: Int, col: Int, text: String, style: CellStyle)] = []
    for r in 0..<size.rows {
      let base = r * size.cols
      var start = 0
      while start < size.cols {
        let code = styles[base + start]
        var end = start
        var view = String.UnicodeScalarView()
        while end < size.cols && styles[base + end] == code {
          let value = scalars[base + end]
          if value != CellBuffer.continuation { view.append(Unicode.Scalar(value) ?? " ") }
          end += 1
        }
        result.append((r, start, String(view), CellStyle(code: code)))
        start = end
      }
    }
    return result
  }
}
