/// A plain aligned text table for terminal output: numbers right-aligned, text left-aligned.
struct TextTable {
  var header: [String]
  var rows: [[String]] = []

  init(_ header: [String]) { self.header = header }

  mutating func add(_ row: [String]) { rows.append(row) }

  func render() -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
    func fmt(_ row: [String]) -> String {
      row.enumerated().map { c, cell in
        let pad = String(repeating: " ", count: widths[c] - cell.count)
        return Double(cell) != nil || cell == "—" ? pad + cell : cell + pad
      }.joined(separator: "  ")
    }
    let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
    return ([fmt(header), rule] + rows.map(fmt)).joined(separator: "\n")
  }
}

func f4(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "—" }
func f2(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "—" }
