import Testing

@testable import LorascopeTUI

@Suite("Heatmap")
struct HeatmapTests {
  /// Layers × modules with values rising from 0 to 1 in reading order.
  let heat = Heatmap(
    rowLabels: ["L0", "L1", "L2", "L3"], columnLabels: ["q", "k", "v", "o", "gate", "up", "down"],
    values: (0..<4).map { l in (0..<7).map { m in Double(l * 7 + m) / 27.0 } },
    selected: GridIndex(row: 2, col: 4))

  @Test func shadesGoldenWithSelectedCell() {
    let b = render(rows: 6, cols: 40) { b, area in heat.draw(into: &b, rect: area, glyphs: .braille) }
    #expect(
      b.text() == """
            q    k    v    o    gate up   down
        L0       ░░░░ ░░░░ ░░░░ ░░░░ ░░░░ ░░░░
        L1  ▒▒▒▒ ▒▒▒▒ ▒▒▒▒ ▒▒▒▒ ▒▒▒▒ ▒▒▒▒ ▒▒▒▒
        L2  ▓▓▓▓ ▓▓▓▓ ▓▓▓▓ ▓▓▓▓[▓▓▓▓]▓▓▓▓ ▓▓▓▓
        L3  ████ ████ ████ ████ ████ ████ ████
        scale 0 ░▒▓█ 1
        """)
    // Heat levels A–H (0–7) ride along with the shades; the selected row and
    // column labels are highlighted, the brackets are in the accent style.
    #expect(
      b.styleText() == """
        ....t....t....t....t....ssss.tt...tttt..
        tt..AAAA.AAAA.AAAA.AAAA.BBBB.BBBB.BBBB..
        tt..CCCC.CCCC.CCCC.CCCC.DDDD.DDDD.DDDD..
        ss..EEEE.EEEE.EEEE.FFFFaFFFFaFFFF.FFFF..
        tt..GGGG.GGGG.GGGG.HHHH.HHHH.HHHH.HHHH..
        ddddddddBDFHdd..........................
        """)
  }

  @Test func asciiGolden() {
    let b = render(rows: 6, cols: 40) { b, area in heat.draw(into: &b, rect: area, glyphs: .ascii) }
    #expect(
      b.text() == """
            q    k    v    o    gate up   down
        L0       .... .... .... .... .... ....
        L1  :::: :::: :::: :::: :::: :::: ::::
        L2  **** **** **** ****[****]**** ****
        L3  #### #### #### #### #### #### ####
        scale 0 .:*# 1
        """)
  }

  @Test func levelsAndMissingValues() {
    #expect(Heatmap.shadeAndLevel(0) == (0, 0))
    #expect(Heatmap.shadeAndLevel(0.01) == (1, 0))
    #expect(Heatmap.shadeAndLevel(0.5) == (3, 4))
    #expect(Heatmap.shadeAndLevel(1) == (4, 7))
    let gaps = Heatmap(rowLabels: ["L0"], columnLabels: ["q", "k"], values: [[1, .nan]], showScale: false)
    let b = render(rows: 2, cols: 12) { b, area in gaps.draw(into: &b, rect: area, glyphs: .ascii) }
    #expect(b.text() == "    q  k\nL0  ## ??")
    #expect(b.style(row: 1, col: 7) == .bad)
    #expect(b.style(row: 1, col: 4) == .heat(7))
  }

  @Test func logScaleSpansOrdersOfMagnitude() {
    let wide = Heatmap(
      rowLabels: ["L0"], columnLabels: ["a", "b", "c"], values: [[1e-6, 1e-3, 1]], scale: .log10)
    let b = render(rows: 4, cols: 30) { b, area in wide.draw(into: &b, rect: area, glyphs: .ascii) }
    // log10: -6, -3, 0 → fractions 0, 0.5, 1 → shades blank, '*', '#'.
    #expect(b.line(1).hasPrefix("L0     ** ##"))
    #expect(b.line(2).hasPrefix("scale 1e-6 .:*# 1 (log)"))
  }
}
