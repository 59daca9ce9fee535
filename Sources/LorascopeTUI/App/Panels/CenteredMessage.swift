/// A short message centred in a panel, wrapped onto as many lines as fit
/// ("stage 0 has no anchor…" in an 80-column terminal).
enum CenteredMessage {
  static func draw(
    _ message: String, into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, style: CellStyle = .dim
  ) {
    guard rect.width > 0, rect.height > 0 else { return }
    let lines = WordWrap.lines(glyphs.text(message), width: rect.width, maxLines: rect.height)
    let top = rect.row + (rect.height - lines.count) / 2
    for (offset, line) in lines.enumerated() {
      canvas.put(
        row: top + offset, col: rect.col + max(0, (rect.width - DisplayWidth.of(line)) / 2), text: line,
        style: style, clippedTo: rect)
    }
  }
}
