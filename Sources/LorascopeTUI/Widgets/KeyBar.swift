/// The bottom line: the current context's keys with short labels ("Space
/// run/pause  n step  +/- λ  …  ? help  q quit"), generated from the key table
/// (Docs/Design.md §B.4 "layout", lazygit/gitui bottom bars).
///
/// When the line is too short, entries are left out by rank (help and quit
/// stay); the kept ones keep their table order. An optional status text sits
/// at the right when there is room.
public struct KeyBar: Sendable {
  /// One entry of the bar: keys ("+/-") and label ("λ").
  public struct Entry: Hashable, Sendable {
    public var keys: String
    public var label: String
    public var rank: Int
    /// Cells taken, the key, a space and the label.
    var width: Int { DisplayWidth.of(keys) + 1 + DisplayWidth.of(label) }
  }

  public var keyMap: KeyMap
  public var context: KeyContext
  /// Right-aligned text such as "paused" or "mouse off".
  public var status: String

  public init(keyMap: KeyMap = .standard, context: KeyContext = .main, status: String = "") {
    self.keyMap = keyMap
    self.context = context
    self.status = status
  }

  /// All entries of the context in table order; bindings with the same bar
  /// label merge into one entry with their keys joined by "/".
  public func entries(glyphs: GlyphSet) -> [Entry] {
    var result: [Entry] = []
    for binding in keyMap.bindings(for: context) {
      guard let label = binding.barLabel else { continue }
      let key = binding.shortestKeyLabel(unicode: glyphs.unicode)
      let shown = glyphs.text(label)
      if let index = result.firstIndex(where: { $0.label == shown }) {
        if !result[index].keys.split(separator: "/").contains(Substring(key)) {
          result[index].keys += "/" + key
        }
        result[index].rank = min(result[index].rank, binding.barRank)
      } else {
        result.append(Entry(keys: key, label: shown, rank: binding.barRank))
      }
    }
    return result
  }

  /// The entries that fit in `width` cells, two spaces apart, in table order.
  public func fittingEntries(width: Int, glyphs: GlyphSet) -> [Entry] {
    let all = entries(glyphs: glyphs)
    var chosen = Set<Int>()
    var used = 0
    for index in all.indices.sorted(by: { all[$0].rank < all[$1].rank || (all[$0].rank == all[$1].rank && $0 < $1) }) {
      let extra = all[index].width + (chosen.isEmpty ? 0 : 2)
      if used + extra <= width {
        chosen.insert(index)
        used += extra
      }
    }
    return all.indices.filter(chosen.contains).map { all[$0] }
  }

  public func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, clearLine: Bool = true) {
    guard rect.height >= 1, rect.width >= 1 else { return }
    let line = Rect(row: rect.row, col: rect.col, width: rect.width, height: 1)
    if clearLine { canvas.clear(line) }
    let statusText = glyphs.text(status)
    let statusWidth = DisplayWidth.of(statusText)
    let reserve = statusWidth > 0 && statusWidth + 12 <= rect.width ? statusWidth + 2 : 0
    var col = rect.col
    for entry in fittingEntries(width: rect.width - reserve, glyphs: glyphs) {
      if col > rect.col { col += 2 }
      col += canvas.put(row: rect.row, col: col, text: entry.keys, style: .accent, clippedTo: line)
      col += canvas.put(row: rect.row, col: col, text: " " + entry.label, style: .normal, clippedTo: line)
    }
    if reserve > 0 {
      canvas.put(row: rect.row, col: rect.right - statusWidth, text: statusText, style: .dim, clippedTo: line)
    }
  }
}
