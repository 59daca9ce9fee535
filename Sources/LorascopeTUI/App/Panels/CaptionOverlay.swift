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
