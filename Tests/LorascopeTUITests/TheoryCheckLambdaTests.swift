import Foundation
import Testing

@testable import LorascopeEngine
@testable import LorascopeTUI

/// The screen's check retrains at the λ in force (the header's), and names that λ: after `w`
/// set λ = 0.0788 on a run trained at λ = 2, the title used to say λ 2 (the stage's λ from the
/// history) while the header said 0.0788, and the check could never test the λ just set.
@Suite("The check's λ on the screen")
struct TheoryCheckLambdaTests {
  static func session() throws -> ContinualSession {
    var data = SyntheticDriftConfig(seed: 11)
    data.driftStrength = 1
    data.usersPerBlock = 120
    data.numBlocks = 3
    let dataset = try SyntheticDrift.generate(data)
    var c = RunConfig.defaults(vocabSize: dataset.items.vocabSize, method: .peso, lambda: 2, seed: 3)
    c.model = ModelConfig(
      vocabSize: dataset.items.vocabSize, hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 64, maxPositions: 128)
    c.lora = LoRAConfig(rank: 4, alpha: 8)
    c.backbone = PhaseConfig(epochs: 2, batchSize: 16, learningRate: 5e-3)
    c.adapterWarmStart = PhaseConfig(epochs: 1, batchSize: 16, learningRate: 2e-3)
    c.adapter = PhaseConfig(epochs: 1, batchSize: 16, learningRate: 2e-3)
    c.beamWidth = 5
    c.evaluationUsers = 40
    let session = try ContinualSession(config: c, dataset: dataset)
    while session.stage < 2 { _ = try session.advance() }
    return session
  }

  @Test("the check trains at the λ now set, the title shows it, the stage's own λ is named beside it")
  func checkUsesTheLambdaInForce() throws {
    let session = try Self.session()
    #expect(session.metrics.lambda(atEndOfStage: 1) == 2)
    try session.setLambda(0.0788)
    let runner = StageForkRunner(session: session)
    runner.startTheory()
    #expect(runner.theory.stage == 1)
    #expect(runner.theory.lambda == 0.0788)
    #expect(runner.theory.stageLambda == 2)
    while runner.isBusy { runner.advance(announce: {}) }
    let check = try #require(runner.theory.check, "\(runner.theory.status)")
    #expect(check.lambda == 0.0788)
    #expect(check.bands.total > 0)
    var snapshot = DashboardFixture.snapshot()
    snapshot.theory = runner.theory
    var state = DashboardState(run: DashboardFixture.run(), lambda: 0.0788, mouseEnabled: false)
    state.view = .theory
    var buffer = CellBuffer(size: TerminalSize(rows: 60, cols: 200))
    DashboardRenderer.draw(state: state, snapshot: snapshot, into: &buffer, glyphs: .braille)
    let text = buffer.text()
    #expect(text.contains("Predicted w_k vs realized · stage 1 · λ 0.0788"), "\(text)")
    #expect(text.contains("the run trained this stage at λ 2"))
  }
}
