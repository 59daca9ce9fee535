import Testing

@testable import LorascopeTUI

@Suite("LineChart")
struct LineChartTests {
  func chart(_ glyphs: GlyphSet) -> CellBuffer {
    render(rows: 8, cols: 30) { b, area in
      LineChart(series: goldenLossSeries, xLabel: "step").draw(into: &b, rect: area, glyphs: glyphs)
    }
  }

  @Test func brailleGolden() {
    let b = chart(.braille)
    #expect(
      b.text() == """
        ─── CE 1.8  ╌╌╌ pen 1.4
        4┤⠑⠤⡀
         │  ⠈⠒⠤⣀
         │      ⠉⠑⠒⠒⠤⠤⠤⣀⣀
         │               ⠉⠉⠉⠉⠉⠉⢉⣉⠉⣉⣑⠒⣒
         │      ⠤⠔ ⠒⠉ ⠉⠉ ⠉⠉ ⠉⠉ ⠁
        0┤⣀⠤ ⠊⠉
         └0           step           7
        """)
    // Series 1 (CE) is solid, series 2 (penalty) dashed: colour is not the only cue.
    #expect(
      b.styleText() == """
        111.........222...............
        dd111.........................
        .d..1111......................
        .d......111111111.............
        .d...............1111112212212
        .d......22.22.22.22.22.2......
        dd22.22.......................
        .dd...........dddd...........d
        """)
  }

  @Test func blockGolden() {
    #expect(
      chart(.block).text() == """
        ─── CE 1.8  ╌╌╌ pen 1.4
        4┤▀▄
         │  ▀▀▄▄
         │      ▀▀▀▀▄▄▄▄
         │              ██▀▀████▀▀████
         │      ▄▀▀▀  ▀▀
        0┤▄▄▀▀
         └0           step           7
        """)
  }

  @Test func asciiGolden() {
    #expect(
      chart(.ascii).text() == """
        * CE 1.8  + pen 1.4
        4+**
         |  ****
         |      ********
         |              ++++++++++++++
         |  ++++++++++++
        0+++
         +0           step           7
        """)
  }

  @Test func flatLineSitsOnTheExpectedBrailleDots() {
    // y = 1 in the range 0…2 lands on dot row round(0.5 · 7) = 4 of 8: the
    // top dots (1 and 4) of the second cell row, i.e. ⠉ in every cell.
    let b = render(rows: 2, cols: 6) { b, area in
      LineChart(
        series: [ChartSeries(name: "flat", values: [1, 1, 1, 1])], yRange: 0...2, showLegend: false
      ).draw(into: &b, rect: area, glyphs: .braille)
    }
    #expect(b.text() == "2┤\n0┤⠉⠉⠉⠉")
  }

  @Test func logScaleLabelsShowValuesNotLogs() {
    // Powers of ten on a log axis fall on a straight line; the middle label is
    // the geometric middle 10^-2.5, and the x caption says "log y".
    let series = ChartSeries(name: "pen", values: [1e-4, 1e-3, 1e-2, 1e-1])
    let b = render(rows: 9, cols: 24) { b, area in
      LineChart(series: [series], yScale: .log10, xLabel: "step").draw(into: &b, rect: area, glyphs: .braille)
    }
    #expect(
      b.text() == """
        ─── pen 0.1
            0.1┤              ⡠⠊
               │           ⢀⠔⠉
               │         ⣀⠔⠁
        0.00316┤       ⡠⠊
               │    ⢀⠔⠉
               │  ⡠⠔⠁
           1e-4┤⡠⠊
               └0 step, log y  3
        """)
  }

  @Test func nonFiniteValuesBreakTheLineAndEmptyDataSaysSo() {
    let gap = ChartSeries(name: "ce", values: [1, 2, .nan, 2, 1])
    let b = render(rows: 3, cols: 8) { b, area in
      LineChart(series: [gap], showLegend: false).draw(into: &b, rect: area, glyphs: .ascii)
    }
    // x = 0…4 on 6 columns: the points sit at columns 0, 1, (3: NaN), 4, 5, so
    // columns 2 and 3 stay empty instead of joining across the gap.
    #expect(b.text() == "2+ *  *\n | *   *\n1+*    *")
    let empty = render(rows: 5, cols: 20) { b, area in
      LineChart(series: [], emptyMessage: "no steps yet").draw(into: &b, rect: area, glyphs: .braille)
    }
    #expect(empty.text().contains("no steps yet"))
  }
}
