import LorascopeEngine
import Testing

@testable import LorascopeTUI

@Suite("Dashboard keys → engine commands")
struct DashboardStateTests {
  let snapshot = DashboardFixture.snapshot()

  func freshState(method: ContinualMethod = .peso) -> DashboardState {
    DashboardState(run: DashboardFixture.run(method: method), lambda: 2, mouseEnabled: true)
  }

  @Test func trainingKeys() {
    var state = freshState()
    #expect(state.handle(.char(" "), snapshot: snapshot) == [.engine(.toggleRun)])
    #expect(state.handle(.char("n"), snapshot: snapshot) == [.engine(.step)])
    #expect(state.handle(.char("s"), snapshot: snapshot) == [.engine(.finishStage)])
    #expect(state.handle(.char("q"), snapshot: snapshot) == [.quit(status: 0)])
    #expect(state.handle(.named(.ctrlC), snapshot: snapshot) == [.quit(status: 0)])
    #expect(state.handle(.terminate(signal: 15), snapshot: snapshot) == [.quit(status: 143)])
    #expect(state.handle(.named(.ctrlL), snapshot: snapshot) == [.repaint])
    #expect(state.handle(.char("x"), snapshot: snapshot).isEmpty)
  }

  @Test func lambdaKeysStepTheLadderAndTellTheEngine() {
    var state = freshState()
    #expect(state.handle(.char("+"), snapshot: snapshot) == [.engine(.setLambda(5))])
    #expect(state.lambda == 5)
    #expect(state.handle(.char("="), snapshot: snapshot) == [.engine(.setLambda(10))])
    #expect(state.handle(.char("-"), snapshot: snapshot) == [.engine(.setLambda(5))])
    #expect(state.handle(.char("-"), snapshot: snapshot) == [.engine(.setLambda(2))])
    state.lambda = 0.01
    #expect(state.handle(.char("-"), snapshot: snapshot) == [.engine(.setLambda(0))])
    #expect(state.handle(.char("-"), snapshot: snapshot).isEmpty)  // already 0: nothing to send
    #expect(state.handle(.char("+"), snapshot: snapshot) == [.engine(.setLambda(0.01))])
  }

  @Test func decadeKeysAndLambdaFromTheSpectrum() throws {
    var state = freshState()
    #expect(state.handle(.char("*"), snapshot: snapshot) == [.engine(.setLambda(20))])
    #expect(state.handle(.char("/"), snapshot: snapshot) == [.engine(.setLambda(2))])
    // w: the global λ at which the stage's predicted curve keeps half its update. Without a
    // curve of the current stage the engine is asked for one, and λ follows when it arrives.
    var atStageOne = snapshot
    atStageOne.curveStage = 1
    #expect(state.handle(.char("w"), snapshot: atStageOne) == [.engine(.predictLambdaCurve)])
    #expect(state.pendingRetained?.target == 0.5)
    #expect(state.observe(atStageOne).isEmpty, "no newer curve yet")
    let points = [(1.0, 0.95), (10.0, 0.8), (100.0, 0.4), (1000.0, 0.05)].map {
      LambdaCurve.Point(lambda: $0.0, retainedH: $0.1, retainedFrobenius: $0.1, newCEDelta: 0, oldCEDelta: 0)
    }
    let curve = LambdaCurve(stage: 1, curve: points, suggestedLambda: [5, 50, 700], seconds: 1)
    var withCurve = atStageOne
    withCurve.lambdaCurve = curve
    withCurve.lambdaCurveSerial = 1
    let half = try #require(curve.lambda(forRetained: 0.5))
    #expect(half > 10 && half < 100)
    #expect(state.observe(withCurve) == [.engine(.setLambda(half))])
    #expect(state.lambda == half && state.pendingRetained == nil)
    #expect(abs(try #require(curve.retained(atLambda: half)) - 0.5) < 1e-12)
    // With the curve in hand, W sets λ at once for a typed retained fraction.
    #expect(state.handle(.char("W"), snapshot: withCurve).isEmpty)
    for key in "0.9" { _ = state.handle(.char(key), snapshot: withCurve) }
    let ninety = try #require(curve.lambda(forRetained: 0.9))
    #expect(state.handle(.named(.enter), snapshot: withCurve) == [.engine(.setLambda(ninety))])
    // A curve of another stage is not used: a new one is asked for.
    var later = withCurve
    later.curveStage = 2
    #expect(state.handle(.char("w"), snapshot: later) == [.engine(.predictLambdaCurve)])
    // Stage 0 has no anchor, so no curve.
    var stageZero = snapshot
    stageZero.curveStage = nil
    #expect(state.handle(.char("w"), snapshot: stageZero).isEmpty)
    #expect(state.notice?.contains("stage 0 has no anchor") == true)
    // Methods without a penalty explain too.
    var single = freshState(method: .single)
    #expect(single.handle(.char("*"), snapshot: snapshot).isEmpty)
    #expect(single.handle(.char("w"), snapshot: snapshot).isEmpty)
    #expect(single.notice?.contains("no effect") == true)
  }

  @Test func typingAnExactLambda() {
    var state = freshState()
    #expect(state.handle(.char("L"), snapshot: snapshot).isEmpty)
    #expect(state.context == .edit)
    for c in "0.3x7" { _ = state.handle(.char(c), snapshot: snapshot) }  // x is ignored
    #expect(state.handle(.char("q"), snapshot: snapshot).isEmpty)  // q types nothing and does not quit
    #expect(state.handle(.named(.enter), snapshot: snapshot) == [.engine(.setLambda(0.37))])
    #expect(state.context == .main)
    #expect(state.lambda == 0.37)

    _ = state.handle(.char("L"), snapshot: snapshot)
    _ = state.handle(.char("-"), snapshot: snapshot)
    #expect(state.handle(.named(.enter), snapshot: snapshot).isEmpty)  // "-" is not a number ≥ 0
    #expect(state.context == .edit)
    #expect(state.handle(.named(.escape), snapshot: snapshot).isEmpty)
    #expect(state.context == .main)
    #expect(state.lambda == 0.37)
  }

  @Test func methodsWithoutPenaltyExplainInsteadOfChangingLambda() {
    var state = freshState(method: .single)
    #expect(state.handle(.char("+"), snapshot: snapshot).isEmpty)
    #expect(state.lambda == 2)
    #expect(state.notice?.contains("single") == true)
    #expect(state.handle(.char("L"), snapshot: snapshot).isEmpty)
    #expect(state.context == .main)
  }

  @Test func moduleSelectionFollowsTheGridAndAsksForItsSpectrum() {
    var state = freshState()
    // Module order is L0 q.A, L0 q.B, L0 k.A, …; the grid's first row is L0 A: q, k, v, …
    #expect(
      state.handle(.named(.right), snapshot: snapshot)
        == [.engine(.spectrum(SpectrumRequest(selection: .module(2), fisher: .empirical, fresh: false)))])
    #expect(state.selectedModule == 2)  // L0 k.A
    _ = state.handle(.char("j"), snapshot: snapshot)
    #expect(state.selectedModule == 3)  // L0 k.B, one row down
    _ = state.handle(.char("["), snapshot: snapshot)
    #expect(state.selectedModule == 1)  // L0 q.B, left in the same row
    _ = state.handle(.char("k"), snapshot: snapshot)
    #expect(state.selectedModule == 0)
    #expect(state.handle(.char("k"), snapshot: snapshot).isEmpty)  // top row: stays
    _ = state.handle(.char("h"), snapshot: snapshot)
    #expect(state.selectedModule == 55)  // wraps to the last module, L3 down.B

    #expect(
      state.handle(.char("J"), snapshot: snapshot)
        == [.engine(.spectrum(SpectrumRequest(selection: .joint, fisher: .empirical, fresh: false)))])
    #expect(state.handle(.char("l"), snapshot: snapshot).isEmpty)  // joint view: no per-module solve
    #expect(
      state.handle(.char("f"), snapshot: snapshot)
        == [.engine(.spectrum(SpectrumRequest(selection: .joint, fisher: .sampled, fresh: false)))])
    #expect(
      state.handle(.char("e"), snapshot: snapshot)
        == [.engine(.spectrum(SpectrumRequest(selection: .joint, fisher: .sampled, fresh: true)))])
    _ = state.handle(.char("f"), snapshot: snapshot)
    _ = state.handle(.char("f"), snapshot: snapshot)
    #expect(state.fisher == .empirical)  // empirical → sampled → ggn → empirical
  }

  @Test func panelsViewsHelpAndMouse() {
    var state = freshState()
    _ = state.handle(.char("3"), snapshot: snapshot)
    #expect(!state.visiblePanels.contains(.spectrum))
    _ = state.handle(.char("3"), snapshot: snapshot)
    #expect(state.visiblePanels.contains(.spectrum))
    _ = state.handle(.char("R"), snapshot: snapshot)
    #expect(state.showMatrix)
    _ = state.handle(.char("b"), snapshot: snapshot)
    #expect(state.penaltyView == .bars)
    #expect(state.handle(.char("m"), snapshot: snapshot) == [.setMouse(false)])

    _ = state.handle(.char("?"), snapshot: snapshot)
    #expect(state.mode == .help(page: 0))
    #expect(state.handle(.char("n"), snapshot: snapshot).isEmpty)  // no step behind the overlay
    _ = state.handle(.named(.pageDown), snapshot: snapshot)
    #expect(state.mode == .help(page: 1))
    _ = state.handle(.resize(TerminalSize(rows: 30, cols: 100)), snapshot: snapshot)
    #expect(state.mode == .help(page: 1))  // a resize keeps the overlay open
    _ = state.handle(.named(.escape), snapshot: snapshot)
    #expect(state.mode == .main)
  }

  @Test func escDismissesAnEngineErrorUntilTheNextOne() {
    var state = freshState()
    var failing = snapshot
    failing.error = EngineFailure(message: "numerical failure: stage 2 step 18: loss is not finite", serial: 1)
    #expect(state.showsError(failing))
    #expect(state.handle(.named(.escape), snapshot: failing).isEmpty)
    #expect(!state.showsError(failing))
    failing.error = EngineFailure(message: "again", serial: 2)
    #expect(state.showsError(failing))
  }

  @Test func spaceAtAWaitingCaptionContinuesTheTour() {
    var state = freshState()
    state.caption = DemoCaption(text: "drift", index: 1, total: 3, waiting: true)
    #expect(state.handle(.char(" "), snapshot: snapshot) == [.continueDemo])
    state.caption?.waiting = false
    #expect(state.handle(.char(" "), snapshot: snapshot) == [.engine(.toggleRun)])
  }

  @Test func aClickOnTheHeatMapSelectsThatModule() {
    var state = freshState()
    var buffer = CellBuffer(size: TerminalSize(rows: 30, cols: 100))
    let hits = DashboardRenderer.draw(state: state, snapshot: snapshot, into: &buffer, glyphs: .braille)
    guard let map = hits.heatmap else {
      Issue.record("the heat map was not drawn")
      return
    }
    // Find the cell of L1 B, column "o" on screen and click it.
    let text = buffer.text().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let row = map.rect.row + 1 + 3  // rows: labels, L0 A, L0 B, L1 A, L1 B
    let labelRow = text[map.rect.row]
    let columnStart = labelRow.distance(
      from: labelRow.startIndex, to: labelRow.range(of: " o ", range: labelRow.index(labelRow.startIndex, offsetBy: map.rect.col)..<labelRow.endIndex)!.lowerBound) + 1
    let effects = state.handle(.mouse(MouseEvent(kind: .click, row: row, col: columnStart)), snapshot: snapshot, hits: hits)
    let expected = DashboardFixture.modules().firstIndex { $0.shortName == "L1 o.B" }
    #expect(state.selectedModule == expected)
    #expect(effects.count == 1)
    // A click outside every module changes nothing.
    #expect(state.handle(.mouse(MouseEvent(kind: .click, row: 0, col: 0)), snapshot: snapshot, hits: hits).isEmpty)
  }
}
