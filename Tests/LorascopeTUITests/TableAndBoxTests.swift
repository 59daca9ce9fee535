import Testing

@testable import LorascopeTUI

@Suite("Table and Box")
struct TableAndBoxTests {
  let table = Table(
    columns: [
      TableColumn("stage", alignment: .left), TableColumn("NDCG@5"), TableColumn("Hit@10"), TableColumn("λ"),
    ],
    rows: [
      ["0", "0.0412", "0.1200", "2.0"], ["1", TableCell("0.0390", style: .bad), "0.1180", "2.0"],
      ["2", "0.0401", "0.1250", "0.5"],
    ])

  @Test func alignedGoldenWithSelectedRow() {
    var selected = table
    selected.selectedRow = 1
    let b = render(rows: 4, cols: 30) { b, area in selected.draw(into: &b, rect: area, glyphs: .braille) }
    #expect(
      b.text() == """
        stage  NDCG@5  Hit@10    λ
        0      0.0412  0.1200  2.0
        1      0.0390  0.1180  2.0
        2      0.0401  0.1250  0.5
        """)
    #expect(
      b.styleText() == """
        ttttt..tttttt..tttttt..ttt....
        ..............................
        ssssssssssssssssssssssssssssss
        ..............................
        """)
  }

  @Test func cellStylesShowWhenNotSelected() {
    let b = render(rows: 4, cols: 30) { b, area in table.draw(into: &b, rect: area, glyphs: .braille) }
    #expect(b.style(row: 2, col: 9) == .bad)
    #expect(b.style(row: 1, col: 9) == .normal)
  }

  @Test func narrowTablesDropColumnsInsteadOfCuttingNumbers() {
    let b = render(rows: 4, cols: 20) { b, area in table.draw(into: &b, rect: area, glyphs: .braille) }
    #expect(
      b.text() == """
        stage  NDCG@5 …
        0      0.0412
        1      0.0390
        2      0.0401
        """)
    #expect(table.columnWidths(fitting: 3) == [3])
  }

  @Test func longTablesShowTheNewestRows() {
    let long = Table(columns: [TableColumn("t")], rows: (0..<10).map { [TableCell("\($0)")] })
    let b = render(rows: 4, cols: 5) { b, area in long.draw(into: &b, rect: area, glyphs: .ascii) }
    #expect(b.text() == "t\n7\n8\n9")
  }

  @Test func stageMatrixMarksPlasticityAndStability() {
    let matrix = Table.stageMatrix([[0.05], [0.041, 0.062], [0.038, 0.055, 0.07]])
    let b = render(rows: 4, cols: 30) { b, area in matrix.draw(into: &b, rect: area, glyphs: .braille) }
    #expect(
      b.text() == """
        t\\j       0       1       2
        0    0.0500       -       -
        1    0.0410  0.0620       -
        2    0.0380  0.0550  0.0700
        """)
    #expect(b.style(row: 2, col: 14) == .accent)  // R[1][1]: the diagonal
    #expect(b.style(row: 3, col: 6) == .normal)  // R[2][0]: below it
    #expect(b.style(row: 1, col: 15) == .dim)  // above it: not measured
  }

  @Test func boxTitleInTheBorder() {
    let b = render(rows: 4, cols: 20) { b, area in
      Box(title: "Loss", trailer: "log").draw(into: &b, rect: area, glyphs: .braille)
    }
    #expect(
      b.text() == """
        ┌─ Loss ───── log ─┐
        │                  │
        │                  │
        └──────────────────┘
        """)
    var interior = Rect(row: 0, col: 0, width: 0, height: 0)
    let a = render(rows: 3, cols: 12) { b, area in
      interior = Box(title: "Penalty per module").draw(into: &b, rect: area, glyphs: .ascii)
    }
    #expect(a.text() == "+- Penal~ -+\n|          |\n+----------+")
    #expect(interior == Rect(row: 1, col: 1, width: 10, height: 1))
  }

  @Test func focusedBoxUsesTheAccentStyle() {
    let b = render(rows: 3, cols: 10) { b, area in
      Box(title: "λ", focused: true).draw(into: &b, rect: area, glyphs: .braille)
    }
    #expect(b.style(row: 0, col: 0) == .accent)
    #expect(b.style(row: 0, col: 3) == .accent)
  }
}
