/// The key table as text, for `lorascope tui --help`, the help overlay and the README: the same
/// `KeyMap` that dispatches the keys, so the documentation cannot drift.
extension KeyMap {
  /// One line per binding of `context`: keys padded to a column, then what they do.
  public func textTable(context: KeyContext, unicode: Bool = true) -> String {
    let rows = bindings(for: context)
    let width = rows.map { DisplayWidth.of($0.keysLabel(unicode: unicode)) }.max() ?? 0
    return rows.map { binding in
      let keys = DisplayWidth.pad(binding.keysLabel(unicode: unicode), to: width)
      let text = unicode ? binding.description : GlyphSet.asciiTransliteration(binding.description)
      return keys + "   " + text
    }.joined(separator: "\n")
  }

  /// Every context as a Markdown table (keys in code spans, then the description and its
  /// detail): README.md's key table is this text, checked by ReadmeKeyTableTests and printed by
  /// the hidden `lorascope keys --markdown`.
  public func markdownTable() -> String {
    var lines: [String] = []
    for context in KeyContext.allCases {
      let rows = bindings(for: context)
      guard !rows.isEmpty else { continue }
      if !lines.isEmpty { lines.append("") }
      lines.append("| \(context.title) | |")
      lines.append("|---|---|")
      for binding in rows {
        let keys = binding.keys.map { "`\($0.label(unicode: true).replacingPipes)`" }.joined(separator: " ")
        let text = binding.description + (binding.detail.map { " — " + $0 } ?? "")
        lines.append("| \(keys) | \(text.replacingPipes) |")
      }
    }
    return lines.joined(separator: "\n")
  }
}

extension String {
  /// A `|` would end a Markdown table cell.
  fileprivate var replacingPipes: String {
    var result = ""
    for c in self { result += c == "|" ? "\\|" : String(c) }
    return result
  }
}
