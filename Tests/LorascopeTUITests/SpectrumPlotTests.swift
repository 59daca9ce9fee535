import Testing

@testable import LorascopeTUI

@Suite("SpectrumPlot")
struct SpectrumPlotTests {
  let data = SpectrumData(
    rho: goldenRho, lambdaEffective: 0.5, shiftRho: [3.2e5], nullCount: 64, epsilon: 7.8e-6)

  @Test func barsGoldenWithShiftAndGaugeAnnotations() {
    let b = render(rows: 11, cols: 48) { b, area in
      SpectrumPlot(data: data).draw(into: &b, rect: area, glyphs: .braille)
    }
    // ρ_k = 10^(2 − k/2) sorted descending; ρ ≥ λ_eff = 0.5 for k = 1…5, so the
    // marker stands after the fifth column; w = ρ/(ρ+0.5) in the lower strip.
    #expect(
      b.text() == """
        ρ_k (log10) 12 dirs · λ_eff 0.5 · ε 7.8e-6
          1e+2┤█▄▁  │
              │███▅▁│
              │█████│▆▂
              │█████│██▇▃
        3.2e-4┤█████│████▇▄▁
           w 1┤██▇▆▃│
             0┤█████│▆▃▁
               k=1  ρ=λ   12
        shift direction: ρ≈3.2e+5, w≈1.00
        gauge/null cluster: 64 directions at ρ≈0 (w=0)
        """)
    #expect(
      b.styleText() == """
        dddddddddddddddddddddddddddddddddddddddddd......
        ddddddd111..w...................................
        ......d11111w...................................
        ......d11111w11.................................
        ......d11111w1111...............................
        ddddddd11111w1111111............................
        ddddddd22222w...................................
        ddddddd22222w222................................
        .......ddd..www...dd............................
        wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww...............
        wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww..
        """)
  }

  @Test func asciiAndDotsGoldens() {
    let ascii = render(rows: 11, cols: 48) { b, area in
      SpectrumPlot(data: data).draw(into: &b, rect: area, glyphs: .ascii)
    }
    #expect(
      ascii.text() == """
        rho_k (log10) 12 dirs - lambda_eff 0.5 - eps 7.~
          1e+2+##   |
              |#### |
              |#####|#
              |#####|###
        3.2e-4+#####|#######
           w 1+#### |
             0+#####|#
               k=1  rho=lambda
        shift direction: rho~3.2e+5, w~1.00
        gauge/null cluster: 64 directions at rho~0 (w=0)
        """)
    let dots = render(rows: 11, cols: 48) { b, area in
      SpectrumPlot(data: data, style: .dots).draw(into: &b, rect: area, glyphs: .braille)
    }
    #expect(dots.line(1).hasPrefix("  1e+2┤⠁⠄⡀  │"))
    #expect(dots.line(5).hasPrefix("3.2e-4┤     │    ⠁⠂⡀"))
  }

  @Test func annotationsNeverShareARowWithTheAxis() {
    let b = render(rows: 11, cols: 48) { b, area in
      SpectrumPlot(data: data).draw(into: &b, rect: area, glyphs: .braille)
    }
    for row in 0..<b.size.rows where b.line(row).contains("shift direction") || b.line(row).contains("gauge") {
      #expect(!b.line(row).contains("┤") && !b.line(row).contains("│"))
    }
  }

  @Test func weightsAndMarkerFollowLambda() {
    #expect(SpectrumData.weight(rho: 1, lambdaEffective: 1) == 0.5)
    #expect(SpectrumData.weight(rho: 3, lambdaEffective: 1) == 0.75)
    #expect(SpectrumData.weight(rho: 0, lambdaEffective: 1) == 0)
    #expect(SpectrumData.weight(rho: 2, lambdaEffective: 0) == 1)
    // λ above every ρ: the marker moves to the front and every weight is small.
    var stable = data
    stable.lambdaEffective = 1e4
    let b = render(rows: 11, cols: 48) { b, area in
      SpectrumPlot(data: stable).draw(into: &b, rect: area, glyphs: .braille)
    }
    #expect(b.line(1).hasPrefix("  1e+2┤│█"))
    #expect(b.line(8).hasPrefix("       ρ=λ"))
  }

  @Test func nonPositiveRhoJoinsTheNullClusterAndEmptyShowsAMessage() {
    let withZeros = SpectrumData(rho: [1, 0, -1e-15, 0.1], lambdaEffective: 1, nullCount: 3)
    #expect(withZeros.positiveDescending == [1, 0.1])
    #expect(withZeros.displayedNullCount == 5)
    let empty = render(rows: 8, cols: 40) { b, area in
      SpectrumPlot(data: SpectrumData(rho: [], lambdaEffective: 1), emptyMessage: "press e").draw(
        into: &b, rect: area, glyphs: .braille)
    }
    #expect(empty.text().contains("press e"))
  }
}
