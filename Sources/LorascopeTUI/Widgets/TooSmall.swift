/// The notice shown instead of the panels when the terminal is below the
/// layout's minimum: "lorascope needs 64×20, terminal is 60×18", centred
/// (Docs/Design.md §B.4 "resize"). It follows every resize, so it goes away by itself.
public struct TooSmall: Sendable {
  public var required: TerminalSize
  public var actual: TerminalSize

  public init(required: TerminalSize = Layout.minimumSize, actual: TerminalSize) {
    self.required = required
    self.actual = actual
  }

  /// The message, on one line or split in two to fit `width`.
  public func messageLines(width: Int, glyphs: GlyphSet) -> [String] {
    let needs = "lorascope needs \(required.cols)\(glyphs.times)\(required.rows)"
    let has = "terminal is \(actual.cols)\(glyphs.times)\(actual.rows)"
    let hint = "enlarge it or press q"
    let one = needs + ", " + has
    if DisplayWidth.of(one) <= width { return [one, hint] }
    return [needs + ",", has, hint].map { DisplayWidth.truncate($0, to: width, ellipsis: glyphs.ellipsis) }
  }

  public func draw(into canvas: inout some Canvas, glyphs: GlyphSet) {
    let size = canvas.size
    guard size.rows > 0, size.cols > 0 else { return }
    var lines = messageLines(width: size.cols, glyphs: glyphs)
    if lines.count > size.rows { lines = Array(lines.prefix(size.rows)) }
    let top = (size.rows - lines.count) / 2
    for (offset, line) in lines.enumerated() {
      let col = (size.cols - DisplayWidth.of(line)) / 2
      let isHint = offset == lines.count - 1 && lines.count > 1
      canvas.put(row: top + offset, col: max(0, col), text: line, style: isHint ? .dim : .warn)
    }
  }
}
