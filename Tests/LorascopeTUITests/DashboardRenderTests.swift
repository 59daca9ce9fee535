import LorascopeEngine
import Testing

@testable import LorascopeTUI

@Suite("Dashboard frames from a snapshot")
struct DashboardRenderTests {
  let snapshot = DashboardFixture.snapshot()
  let state = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: true)

  func frame(
    _ state: DashboardState, _ snapshot: DashboardSnapshot, rows: Int = 30, cols: Int = 100,
    glyphs: GlyphSet = .braille
  ) -> CellBuffer {
    var buffer = CellBuffer(size: TerminalSize(rows: rows, cols: cols))
    DashboardRenderer.draw(state: state, snapshot: snapshot, into: &buffer, glyphs: glyphs)
    return buffer
  }

  @Test(arguments: [
    TerminalSize(rows: 24, cols: 80), TerminalSize(rows: 30, cols: 100), TerminalSize(rows: 60, cols: 200),
  ])
  func everyPanelAtCommonSizes(size: TerminalSize) {
    for glyphs in [GlyphSet.braille, .block, .ascii] {
      let buffer = frame(state, snapshot, rows: size.rows, cols: size.cols, glyphs: glyphs)
      let text = buffer.text()
      #expect(text.contains(glyphs.text("λ 2 · λ_eff 0.0714")), "\(size) \(glyphs.mode)")
      #expect(text.contains("stage 2/4"))
      #expect(text.contains("step 17/39"))
      #expect(text.contains("Loss"))
      #expect(text.contains("P_g per module"))
      #expect(text.contains(glyphs.text("ρ_k and w_k")) || text.contains(glyphs.text("Spectrum ρ_k and weights w_k")))
      #expect(text.contains("NDCG@5"))
      #expect(text.contains("? help"))
      if size.cols >= 100 {
        #expect(text.contains("41.3 steps/s"))
        #expect(text.contains("BLAS Haswell"))
        #expect(text.contains("synthetic (5 blocks)"))
      }
      if glyphs.mode == .ascii { #expect(text.unicodeScalars.allSatisfy { $0.isASCII }) }
    }
  }

  @Test("the metrics panel shows the co-occurrence counter beside the model's NDCG@5 and counts the blocks below it")
  func countingBaselineBesideTheModel() {
    var compared = snapshot
    for t in compared.stages.indices {
      // The fixture's model scores 0.05 on block 0 and 0.04 on block 1: above 0.0300, below 0.0450.
      let v = t == 0 ? 0.0300 : 0.0450
      let m = RankingMetrics(hit5: v, hit10: v, ndcg5: v, ndcg10: v, mrr: v, count: 10)
      compared.stages[t].baselines = CountingBaselineValues(popularity: m, markov: m, cooccurrence: m)
    }
    let text = frame(state, compared, rows: 30, cols: 160).text()
    #expect(text.contains("co-occ@5"))
    #expect(text.contains("0.0300") && text.contains("0.0450"))
    #expect(text.contains("below co-occ 1/2"))
    // Without counters (a run from before them) the column says so and the border stays quiet.
    let old = frame(state, snapshot, rows: 30, cols: 160).text()
    #expect(old.contains("co-occ@5") && !old.contains("below co-occ"))
  }

  @Test func headerSaysWhenLambdaIsInert() {
    var inert = snapshot
    for _ in 0..<6 { inert.inertness.record(3e-5) }
    let text = frame(state, inert, rows: 30, cols: 160).text()
    #expect(text.contains("λ inert: penalty gradient 3×10⁻⁵ of CE's"))
    let ascii = frame(state, inert, rows: 30, cols: 160, glyphs: .ascii).text()
    #expect(ascii.contains("lambda inert: penalty gradient 3x10^-5 of CE's"))
    // A ratio that does not stay low is shown as a number, not as "inert".
    var live = snapshot
    for _ in 0..<6 { live.inertness.record(0.02) }
    let liveText = frame(state, live, rows: 30, cols: 160).text()
    #expect(!liveText.contains("inert") && liveText.contains("∇P/∇CE 0.02"))
    #expect(NumberFormat.powerOfTen(3e-5) == "3×10⁻⁵")
    #expect(NumberFormat.powerOfTen(1e-12) == "10⁻¹²")
    #expect(NumberFormat.powerOfTen(9.7e-4) == "10⁻³")
    #expect(NumberFormat.powerOfTen(0.5) == NumberFormat.compact(0.5))
  }

  @Test func guidanceLineShowsTheModuleAndTheJointLambda() throws {
    var withJoint = snapshot
    withJoint.spectrum.result?.jointGuidance = LambdaGuidance(resolvedRho: [1, 2, 3], adaptedLinears: 28)
    let result = try #require(withJoint.spectrum.result)
    let module = try #require(LambdaGuidance(resolvedRho: result.rho, adaptedLinears: 28))
    let text = SpectrumPanel.guidanceText(module, joint: result.jointGuidance)
    #expect(text.contains("joint w=½ 56"))  // 28 · median ρ 2 · (1 − ½)/½
    #expect(text.contains("w=½ " + NumberFormat.compact(try #require(module.lambda(forWeight: 0.5)), significant: 3)))
    let frame = frame(state, withJoint, rows: 40, cols: 220).text()
    #expect(frame.contains("λ for w=.9"))
  }

  @Test func weightsMoveTheInstantLambdaChanges() {
    var raised = state
    _ = raised.handle(.char("+"), snapshot: snapshot)
    _ = raised.handle(.char("+"), snapshot: snapshot)
    let before = frame(state, snapshot)
    let after = frame(raised, snapshot)  // same snapshot: the engine has not stepped yet
    #expect(after.text().contains("λ 10 · λ_eff 0.357"))
    #expect(after.text().contains("λ_eff 0.357"))  // the spectrum header too
    // The w strip and the ρ=λ marker differ; nothing else in the spectrum panel does.
    let plastic = { (b: CellBuffer) in
      b.text().split(separator: "\n").first { $0.contains("w>½") }.map(String.init) ?? ""
    }
    #expect(plastic(before) != plastic(after))
    #expect(plastic(before).contains("w>½: 50/100"))  // ρ_k = 10·e^(−k/10) > 0.0714 for k < 50
    #expect(plastic(after).contains("w>½: 34/100"))
  }

  @Test func spectrumPanelStates() {
    var s = snapshot
    s.spectrum = SpectrumPanelState(status: .unavailable("spectrum from stage 1 on (stage 0 has no anchor)"))
    #expect(frame(state, s).text().contains("spectrum from stage 1 on"))
    s.spectrum = SpectrumPanelState(status: .computing("measuring Σ (empirical Fisher, 128 sequences of block 2)…"))
    #expect(frame(state, s).text().contains("measuring Σ"))
    // While recomputing, the last result stays and the line says what is going on.
    s.spectrum = SpectrumPanelState(status: .computing("solving ρ_k for L0 k.A…"), result: snapshot.spectrum.result)
    let text = frame(state, s).text()
    #expect(text.contains("solving ρ_k for L0 k.A"))
    #expect(text.contains("shift direction"))
    #expect(text.contains("gauge/null cluster: 896"))
  }

  @Test func metricsTableAndMatrix() {
    var viewing = state
    #expect(frame(viewing, snapshot).text().contains("0.0500"))
    viewing.showMatrix = true
    let text = frame(viewing, snapshot).text()
    #expect(text.contains("R[t][j]"))
    #expect(text.contains("0.0450"))
    #expect(text.contains("BWT -0.0050"))
  }

  @Test func penaltyEmptyZeroHeatmapAndBars() {
    var s = snapshot
    s.modulePenalty = []
    s.stage = 0
    #expect(frame(state, s).text().contains("stage 0 has no anchor"))
    s.stage = 1
    s.modulePenalty = Array(repeating: 0, count: 56)
    #expect(frame(state, s).text().contains("every P_g is 0"))
    let heat = frame(state, snapshot, rows: 60, cols: 200).text()
    #expect(heat.contains("L3 B"))
    #expect(heat.contains("L3 down.B"))  // the largest P_g listed under the map on a tall screen
    var bars = state
    bars.penaltyView = .bars
    bars.selectedModule = 55
    let text = frame(bars, snapshot).text()
    #expect(text.contains("P_g, largest first"))
    #expect(text.contains("L3 down.B 5.6e-5"))  // selected module and value in the border
  }

  @Test func tooSmallAndOverlays() {
    #expect(frame(state, snapshot, rows: 18, cols: 60).text().contains("lorascope needs 64×20, terminal is 60×18"))
    var help = state
    help.mode = .help(page: 0)
    #expect(frame(help, snapshot).text().contains("run / pause training"))
    #expect(frame(help, snapshot, rows: 18, cols: 60).text().contains("needs 64×20"))  // too small wins
    var failing = snapshot
    failing.error = EngineFailure(message: "numerical failure: loss is not finite", serial: 1)
    let error = frame(state, failing).text()
    #expect(error.contains("Engine error"))
    #expect(error.contains("loss is not finite"))
    #expect(error.contains("engine stopped on an error"))
    var touring = state
    touring.caption = DemoCaption(text: "Block 1 arrives: tastes have drifted.", index: 4, total: 12, waiting: true)
    let caption = frame(touring, snapshot).text()
    #expect(caption.contains("Tour 4/12"))
    #expect(caption.contains("Space: go on"))
    #expect(caption.contains("Block 1 arrives"))
  }

  @Test func lambdaEntryReplacesTheKeyLine() {
    var editing = state
    _ = editing.handle(.char("L"), snapshot: snapshot)
    _ = editing.handle(.char("7"), snapshot: snapshot)
    editing.visiblePanels.remove(.keyBar)  // hidden key bar: the entry still shows
    let last = frame(editing, snapshot).text().split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasPrefix("λ = 7"))
    #expect(last.contains("Enter set"))
  }

  @Test func hiddenPanelsAndBackbonePhase() {
    var hidden = state
    for panel in 1...4 { _ = hidden.handle(.char(Character("\(panel)")), snapshot: snapshot) }
    #expect(frame(hidden, snapshot).text().contains("every panel is hidden"))
    var s = DashboardSnapshot(run: DashboardFixture.run(), strength: try! ProximalStrength(lambda: 2, adaptedLinears: 28))
    #expect(frame(state, s).text().contains("paused: Space runs, n takes one step"))
    s.phase = PhaseProgress(stage: 0, phase: .backbone, step: 3, totalSteps: 72)
    for step in 0..<3 { s.backboneLoss.append(ce: 4 - Double(step), penalty: 0) }
    let text = frame(state, s).text()
    #expect(text.contains("Loss (backbone pretraining"))
    #expect(text.contains("stage 0/4 backbone"))
  }
}
