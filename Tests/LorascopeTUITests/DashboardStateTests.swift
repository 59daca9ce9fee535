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
    // w: the λ that puts the median resolved ρ of the shown spectrum at w = ½.
    let result = try #require(snapshot.spectrum.result)
    let guidance = try #require(LambdaGuidance(resolvedRho: result.rho, adaptedLinears: snapshot.run.adaptedLinears))
    let target = try #require(guidance.lambda(forWeight: 0.5))
    #expect(state.handle(.char("w"), snapshot: snapshot) == [.engine(.setLambda(target))])
    let strength = try ProximalStrength(lambda: state.lambda, adaptedLinears: snapshot.run.adaptedLinears)
    #expect(abs(strength.weight(rho: guidance.rho) - 0.5) < 1e-12)
    // Without a spectrum the key explains instead.
    var empty = snapshot
    empty.spectrum = SpectrumPanelState()
    #expect(state.handle(.char("w"), snapshot: empty).isEmpty)
    #expect(state.notice?.contains("press e") == true)
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
