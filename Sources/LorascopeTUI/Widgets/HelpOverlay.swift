/// The `?`/F1 overlay: a centred box with two columns, keys and what they do,
/// generated from the `KeyMap` so it always matches the dispatch (Docs/Design.md §B.4
/// "help"). One section per context; paged when the terminal is short
/// (`Action.helpPageNext/Prev`), closed with Esc, `?` or `q`.
public struct HelpOverlay: Sendable {
  /// One line of the overlay: a context heading or a key and its description.
  public struct Line: Hashable, Sendable {
    public var keys: String
    public var description: String
    public var isHeading: Bool
    /// Width of the key column in this line's section (keys align per context).
    public var keyColumnWidth: Int = 0
  }

  public var keyMap: KeyMap
  /// The page to show (clamped to the page count).
  public var page: Int

  /// The contexts listed, in order (the training screen's by default).
  public var contexts: [KeyContext]

  public init(keyMap: KeyMap = .standard, page: Int = 0, contexts: [KeyContext] = KeyContext.dashboard) {
    self.keyMap = keyMap
    self.page = page
    self.contexts = contexts
  }

  /// Every line, all pages: per context a heading then its bindings.
  public func lines(glyphs: GlyphSet) -> [Line] {
    var result: [Line] = []
    for context in contexts {
      let bindings = keyMap.bindings(for: context)
      guard !bindings.isEmpty else { continue }
      if !result.isEmpty { result.append(Line(keys: "", description: "", isHeading: false)) }
      result.append(Line(keys: glyphs.text(context.title), description: "", isHeading: true))
      let keyWidth = bindings.map { DisplayWidth.of($0.keysLabel(unicode: glyphs.unicode)) }.max() ?? 0
      for binding in bindings {
        result.append(
          Line(
            keys: binding.keysLabel(unicode: glyphs.unicode),
            description: glyphs.text(binding.description), isHeading: false, keyColumnWidth: keyWidth))
      }
    }
    return result
  }

  /// The box for a screen: at most the screen less a one-cell margin.
  func frame(screen: TerminalSize, lines: [Line]) -> Rect {
    let pairWidth =
      lines.filter { !$0.isHeading }.map { $0.keyColumnWidth + 3 + DisplayWidth.of($0.description) }.max() ?? 0
    let headingWidth = lines.filter(\.isHeading).map { DisplayWidth.of($0.keys) }.max() ?? 0
    let contentWidth = max(pairWidth, headingWidth)
    // Border and one space of padding on each side; border, lines and footer.
    let wanted = TerminalSize(rows: lines.count + 3, cols: contentWidth + 4)
    let width = min(wanted.cols, screen.cols - 2)
    let height = min(wanted.rows, screen.rows - 2)
    return Rect(row: (screen.rows - height) / 2, col: (screen.cols - width) / 2, width: width, height: height)
  }

  /// Lines per page on a screen (the box less its border and footer line).
  public func linesPerPage(screen: TerminalSize, glyphs: GlyphSet) -> Int {
    max(1, frame(screen: screen, lines: lines(glyphs: glyphs)).height - 3)
  }

  /// How many pages the overlay needs on a screen.
  public func pageCount(screen: TerminalSize, glyphs: GlyphSet) -> Int {
    let count = lines(glyphs: glyphs).count
    let perPage = linesPerPage(screen: screen, glyphs: glyphs)
    return max(1, (count + perPage - 1) / perPage)
  }

  public func draw(into canvas: inout some Canvas, screen: TerminalSize, glyphs: GlyphSet) {
    let all = lines(glyphs: glyphs)
    let box = frame(screen: screen, lines: all)
    guard box.width >= 12, box.height >= 4 else { return }
    let perPage = max(1, box.height - 3)
    let pages = max(1, (all.count + perPage - 1) / perPage)
    let current = min(max(page, 0), pages - 1)
    let trailer = pages > 1 ? "page \(current + 1)/\(pages)" : ""
    let interior = Box(title: "Keys", trailer: trailer, focused: true).draw(into: &canvas, rect: box, glyphs: glyphs)
    let pageLines = all.dropFirst(current * perPage).prefix(perPage)
    for (offset, line) in pageLines.enumerated() {
      let row = interior.row + offset
      let area = Rect(row: row, col: interior.col + 1, width: interior.width - 2, height: 1)
      if line.isHeading {
        canvas.put(row: row, col: area.col, text: line.keys, style: .title, clippedTo: area)
        continue
      }
      let keyWidth = min(line.keyColumnWidth, interior.width / 3)
      let keys = DisplayWidth.pad(
        DisplayWidth.truncate(line.keys, to: keyWidth, ellipsis: glyphs.ellipsis), to: keyWidth)
      canvas.put(row: row, col: area.col, text: keys, style: .accent, clippedTo: area)
      let descriptionCol = area.col + keyWidth + 3
      canvas.put(
        row: row, col: descriptionCol,
        text: DisplayWidth.truncate(line.description, to: area.right - descriptionCol, ellipsis: glyphs.ellipsis),
        style: .normal, clippedTo: area)
    }
    // Footer: how to leave and page, from the help context's own bindings.
    let footer = KeyBar(keyMap: keyMap, context: .help)
    footer.draw(
      into: &canvas, rect: Rect(row: interior.bottom - 1, col: interior.col + 1, width: interior.width - 2, height: 1),
      glyphs: glyphs, clearLine: false)
  }
}
