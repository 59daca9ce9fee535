@testable import LorascopeEngine
import Testing

@testable import LorascopeTUI

/// The predicted λ curve on the screen (issue 23 item 3; Docs/Math.md §45): the retained
/// fraction against log λ under the spectrum, the λ in force marked, a finished race's realized
/// points over it, and the λ in the titles of the panels whose numbers depend on it.
@Suite("The λ curve plot")
struct LambdaCurvePlotTests {
  func freshState(lambda: Double = 2) -> DashboardState {
    DashboardState(run: DashboardFixture.run(), lambda: lambda, mouseEnabled: true)
  }

  static let points = [(0.1, 0.99), (1.0, 0.9), (10.0, 0.6), (100.0, 0.2), (1000.0, 0.02)].map {
    LambdaCurve.Point(lambda: $0.0, retainedH: $0.1, retainedFrobenius: $0.1, newCEDelta: 0, oldCEDelta: 0)
  }

  /// Stage 2 with its curve and, when `raced`, a finished race of λ 0, 10 and 100.
  static func snapshot(raced: Bool, raceStage: Int = 2) -> DashboardSnapshot {
    var s = DashboardFixture.snapshot()
    s.curveStage = 2
    s.lambdaCurve = LambdaCurve(stage: 2, curve: points, suggestedLambda: [1, 20, 500], seconds: 1)
    guard raced else { return s }
    s.race.status = .finished
    s.race.stage = raceStage
    s.race.result = RaceResult(
      stage: raceStage, metricName: .ndcg5,
      lanes: [(0.0, 0.5), (10.0, 0.35), (100.0, 0.05)].map { lambda, displacement in
        RaceResult.Lane(
          lambda: lambda, lambdaEffective: lambda / 28, displacementH: displacement, displacementFrobenius: 1,
          finalCE: 3, finalPenalty: 0, validationCE: 4.3, metric: [0.03, 0.04, 0.05], ndcg5: [0.03, 0.04, 0.05])
      },
      differences: [])
    return s
  }

  func render(_ state: DashboardState, _ snapshot: DashboardSnapshot, size: TerminalSize, glyphs: GlyphSet = .braille)
    -> CellBuffer
  {
    var buffer = CellBuffer(size: size)
    DashboardRenderer.draw(state: state, snapshot: snapshot, into: &buffer, glyphs: glyphs)
    return buffer
  }

  @Test func racePointsAreEachLanesDisplacementOverTheFreeLanes() {
    let points = SpectrumPanel.racePoints(Self.snapshot(raced: true).race, stage: 2)
    #expect(points.map(\.x) == [10, 100])
    #expect(abs(points[0].y - 0.7) < 1e-12 && abs(points[1].y - 0.1) < 1e-12)
    // Another stage's race, or no race: nothing to overlay.
    #expect(SpectrumPanel.racePoints(Self.snapshot(raced: true, raceStage: 1).race, stage: 2).isEmpty)
    #expect(SpectrumPanel.racePoints(Self.snapshot(raced: false).race, stage: 2).isEmpty)
  }

  @Test func theMarkerSitsAtItsLambdaAndRetainedFraction() {
    // log10 λ from −1 to 3 across 21 cells, y from 0 to 1 over 9 rows: λ 10 is the middle cell,
    // 0.5 the middle row.
    let plot = Rect(row: 1, col: 2, width: 21, height: 9)
    let bounds = LineChart.Bounds(xMin: -1, xMax: 3, yMin: 0, yMax: 1)
    let at = RetainedCurvePlot.cell(of: ChartPoint(x: 1, y: 0.5), plot: plot, bounds: bounds)
    #expect(at?.row == 5 && at?.col == 12)
    #expect(RetainedCurvePlot.cell(of: ChartPoint(x: 4, y: 0.5), plot: plot, bounds: bounds) == nil)
  }

  @Test(arguments: [TerminalSize(rows: 50, cols: 160), TerminalSize(rows: 60, cols: 200)])
  func theCurveIsDrawnUnderTheSpectrumWithTheRaceOverIt(size: TerminalSize) {
    for glyphs in [GlyphSet.braille, .block, .ascii] {
      let before = render(freshState(), Self.snapshot(raced: false), size: size, glyphs: glyphs).text()
      #expect(before.contains(glyphs.text("predicted")), "\(size) \(glyphs.mode)")
      #expect(before.contains(glyphs.text("λ →, log · retained ↑")))
      #expect(!before.contains(glyphs.text("raced")))
      let frame = render(freshState(), Self.snapshot(raced: true), size: size, glyphs: glyphs)
      let text = frame.text()
      #expect(text.contains(glyphs.text("raced")))
      #expect(text.contains(glyphs.unicode ? "●" : "o raced"))
      // The λ in force in the legend and in the panel's title (the λ of its weights).
      #expect(text.contains(glyphs.text(" λ 2")))
      #expect(text.contains(glyphs.text("Spectrum ρ_k and weights w_k · λ 2")))
      if glyphs.mode == .ascii { #expect(text.unicodeScalars.allSatisfy { $0.isASCII }) }
    }
    // A λ off the grid is named, not drawn.
    let far = render(freshState(lambda: 1e5), Self.snapshot(raced: false), size: size).text()
    #expect(far.contains("λ 1e+5 (right of the axis)"))
  }

  @Test func eightyByTwentyFourKeepsTheSpectrumAndTheTitlesSayLambda() {
    let text = render(freshState(), Self.snapshot(raced: true), size: TerminalSize(rows: 24, cols: 80)).text()
    #expect(text.contains("ρ_k and w_k · λ 2"))
    #expect(text.contains("Loss · λ 2"))
    #expect(!text.contains("predicted ·"))  // no room for the plot: the curve's line stays
  }
}
