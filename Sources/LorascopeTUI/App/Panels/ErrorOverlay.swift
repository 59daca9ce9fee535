/// An engine error, centred and in the error style, until Esc hides it (it
/// stays in the header). The run is paused; q quits, Space tries again.
struct ErrorOverlay {
  let message: String

  func draw(into canvas: inout some Canvas, screen: TerminalSize, glyphs: GlyphSet) {
    let width = min(screen.cols - 4, 90)
    guard width >= 20, screen.rows >= 6 else { return }
    let lines = WordWrap.lines(glyphs.text(message), width: width - 4, maxLines: max(1, screen.rows - 8))
    let height = lines.count + 4
    let box = Rect(row: (screen.rows - height) / 2, col: (screen.cols - width) / 2, width: width, height: height)
    let inner = Box(title: "Engine error: the run is paused", focused: true).draw(
      into: &canvas, rect: box, glyphs: glyphs)
    for (offset, line) in lines.enumerated() {
      canvas.put(row: inner.row + offset, col: inner.col + 1, text: line, style: .bad, clippedTo: inner)
    }
    canvas.put(
      row: inner.bottom - 1, col: inner.col + 1, text: glyphs.text("Esc hide · Space try again · q quit"),
      style: .dim, clippedTo: inner)
  }
}
