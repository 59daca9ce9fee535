import Testing

@testable import LorascopeTUI

@Suite("Bars")
struct BarsTests {
  let bars = Bars(
    items: [
      BarItem(label: "q.A", value: 1.0), BarItem(label: "k.A", value: 0.55),
      BarItem(label: "v.B", value: 0.1), BarItem(label: "down.B", value: 0),
    ], selectedIndex: 1)

  @Test func eighthsGoldenWithSelectedRow() {
    let b = render(rows: 4, cols: 30) { b, area in bars.draw(into: &b, rect: area, glyphs: .braille) }
    // 15 bar cells: 0.55 · 15 · 8 = 66 eighths = 8 full cells and ▎ (2/8).
    #expect(
      b.text() == """
          q.A    │███████████████    1
        ▶ k.A    │████████▎       0.55
          v.B    │█▌               0.1
          down.B │                   0
        """)
    // The selected row: pointer, label and value reversed, bar in the accent
    // style (a reversed full block would look empty).
    #expect(
      b.styleText() == """
        .........d111111111111111.dddd
        ssssssssssaaaaaaaaa.......ssss
        .........d11..............dddd
        .........d................dddd
        """)
  }

  @Test func asciiGolden() {
    let b = render(rows: 4, cols: 30) { b, area in bars.draw(into: &b, rect: area, glyphs: .ascii) }
    #expect(
      b.text() == """
          q.A    |###############    1
        > k.A    |########        0.55
          v.B    |##               0.1
          down.B |                   0
        """)
  }

  @Test func barTextUsesEighths() {
    #expect(Bars.barText(value: 1, full: 2, width: 4, glyphs: .braille) == "██")
    #expect(Bars.barText(value: 1, full: 8 * 4, width: 4, glyphs: .braille) == "▏")
    #expect(Bars.barText(value: 7, full: 8, width: 1, glyphs: .braille) == "▉")
    #expect(Bars.barText(value: 3, full: 2, width: 3, glyphs: .braille) == "███")  // clamped
    #expect(Bars.barText(value: -1, full: 2, width: 3, glyphs: .braille) == "")
    #expect(Bars.barText(value: .nan, full: 2, width: 3, glyphs: .braille) == "")
    #expect(Bars.barText(value: 0.5, full: 1, width: 4, glyphs: .ascii) == "##")
  }

  @Test func scrollsToKeepTheSelectionVisible() {
    let many = Bars(
      items: (0..<56).map { BarItem(label: "m\($0)", value: Double($0)) }, selectedIndex: 40)
    #expect(many.firstVisibleIndex(rows: 10) == 35)
    let b = render(rows: 10, cols: 30) { b, area in many.draw(into: &b, rect: area, glyphs: .ascii) }
    #expect(b.line(5).hasPrefix("> m40"))
    var last = many
    last.selectedIndex = 55
    #expect(last.firstVisibleIndex(rows: 10) == 46)
  }
}
