/// The data view (`D`): what `lorascope data check` prints for the run's data (Docs/Design.md
/// §4.4) — the dataset, per-block counts, the code health card and the drift card — so a user
/// sees whether the codes are healthy and whether there is drift to learn before choosing λ.
/// A short window shows the paragraphs that matter most first: the codes and the drift, then the
/// dataset, then the per-block table.
struct DataPanel {
  let run: RunSummary

  /// Paragraph indices of `data check`'s report (dataset, blocks, codes, drift) by priority.
  static let priority = [2, 3, 0, 1]

  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let inner = Box(title: "Data · \(run.dataName)", trailer: "D/Esc leaves").draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    let paragraphs = run.dataReport.components(separatedBy: "\n\n").map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    guard paragraphs.contains(where: { !$0.joined().isEmpty }) else {
      CenteredMessage.draw("no data report for this run", into: &canvas, rect: inner, glyphs: glyphs)
      return
    }
    let shown = Self.fitting(paragraphs, height: inner.height)
    var row = inner.row
    for (n, index) in shown.enumerated() {
      if n > 0 { row += 1 }
      for line in paragraphs[index] where row < inner.bottom {
        let style: CellStyle = line.contains("caution") || line.contains("collapsed") ? .warn : .normal
        canvas.put(row: row, col: inner.col, text: glyphs.text(line), style: style, clippedTo: inner)
        row += 1
      }
    }
    if shown.count < paragraphs.count, row < inner.bottom {
      canvas.put(row: inner.bottom - 1, col: inner.col, text: glyphs.text("… the whole report: lorascope data check"), style: .dim, clippedTo: inner)
    }
  }

  /// The paragraphs to show, in report order: as many as fit by priority, one line kept free
  /// for the pointer to the whole report when any is left out (the first one always, cut if need be).
  static func fitting(_ paragraphs: [[String]], height: Int) -> [Int] {
    let order = priority.filter(paragraphs.indices.contains) + paragraphs.indices.filter { !priority.contains($0) }
    let total = paragraphs.reduce(0) { $0 + $1.count } + paragraphs.count - 1
    let budget = total <= height ? height : height - 1
    var chosen: [Int] = []
    var used = 0
    for index in order {
      let cost = paragraphs[index].count + (chosen.isEmpty ? 0 : 1)
      if chosen.isEmpty || used + cost <= budget {
        chosen.append(index)
        used += cost
      }
    }
    return chosen.sorted()
  }
}
