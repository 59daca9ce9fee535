/// A boxed panel with its title in the top border (btop, bottom; Docs/Design.md §B.4
/// "layout"): `┌─ Loss ─────┐` in Unicode, `+- Loss -----+` in ASCII.
public struct Box: Sendable {
  /// Text shown in the top border, cut to fit.
  public var title: String
  /// Extra text at the right of the top border (a mode, a page number).
  public var trailer: String
  /// Focused panels draw their border in the accent style.
  public var focused: Bool

  public init(title: String, trailer: String = "", focused: Bool = false) {
    self.title = title
    self.trailer = trailer
    self.focused = focused
  }

  /// Draws the border around `rect` and returns the interior (the rectangle
  /// shrunk by one cell on each side). The interior is cleared, so a box can
  /// sit on top of other drawing (the help overlay does).
  @discardableResult
  public func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) -> Rect {
    guard rect.width >= 2, rect.height >= 2 else { return Rect(row: rect.row, col: rect.col, width: 0, height: 0) }
    let border: CellStyle = focused ? .accent : .dim
    let inner = rect.width - 2
    let horizontal = String(repeating: String(glyphs.horizontal), count: inner)
    canvas.put(
      row: rect.row, col: rect.col, text: String(glyphs.topLeft) + horizontal + String(glyphs.topRight),
      style: border)
    canvas.put(
      row: rect.bottom - 1, col: rect.col,
      text: String(glyphs.bottomLeft) + horizontal + String(glyphs.bottomRight), style: border)
    for r in (rect.row + 1)..<(rect.bottom - 1) {
      canvas.put(row: r, col: rect.col, text: String(glyphs.vertical), style: border)
      canvas.put(row: r, col: rect.right - 1, text: String(glyphs.vertical), style: border)
    }
    let interior = rect.inset(by: 1)
    canvas.clear(interior)

    // Title: "─ Title ─" starting one cell after the corner, trailer at the right.
    var available = inner - 2
    var trailerText = ""
    if !trailer.isEmpty && available > 8 {
      let cut = DisplayWidth.truncate(glyphs.text(trailer), to: available / 2 - 2, ellipsis: glyphs.ellipsis)
      trailerText = " " + cut + " "
      available -= DisplayWidth.of(trailerText) + 1
    }
    if !title.isEmpty && available >= 3 {
      let text = " " + DisplayWidth.truncate(glyphs.text(title), to: available - 2, ellipsis: glyphs.ellipsis) + " "
      canvas.put(row: rect.row, col: rect.col + 2, text: text, style: focused ? .accent : .title)
    }
    if !trailerText.isEmpty {
      let start = rect.right - 2 - DisplayWidth.of(trailerText)
      canvas.put(row: rect.row, col: start, text: trailerText, style: .dim)
    }
    return interior
  }
}
