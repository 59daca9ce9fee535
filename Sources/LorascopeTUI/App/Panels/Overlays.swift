/// The tour's caption (`lorascope demo`): a box just above the key bar with
/// the explanation of the teaching moment, like a subtitle. "Space: go on"
/// sits in its border while the run waits for it.
struct CaptionOverlay {
  let caption: DemoCaption

  func draw(into canvas: inout some Canvas, screen: TerminalSize, glyphs: GlyphSet) {
    let width = screen.cols - 2
    guard width >= 20, screen.rows >= 8 else { return }
    let text = glyphs.text(caption.text)
    let lines = WordWrap.lines(text, width: width - 4, maxLines: 2)
    let height = lines.count + 2
    let box = Rect(row: screen.rows - 1 - height, col: 1, width: width, height: height)
    let trailer = caption.waiting ? "Space: go on" : "tour goes on"
    let inner = Box(title: "Tour \(caption.index)/\(caption.total)", trailer: trailer, focused: true)
      .draw(into: &canvas, rect: box, glyphs: glyphs)
    for (offset, line) in lines.enumerated() {
      canvas.put(row: inner.row + offset, col: inner.col + 1, text: line, style: .normal, clippedTo: inner)
    }
  }
}

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
