import Foundation
import LorascopeEngine
import Testing

/// The session owns λ: setting it validates, logs and records the history in metrics.json
/// (Docs/Design.md §2, §6; Docs/Architecture.md "λ flow").
@Suite("λ has one owner")
struct LambdaOwnershipTests {
  static func session(dir: URL, cache: URL, resume: Bool = false) throws -> ContinualSession {
    let data = try ContinualPipelineTests.dataset(drift: 0.5, users: 60)
    var config = ContinualPipelineTests.config(data, method: .peso, lambda: 2)
    config.backbone.epochs = 1
    config.adapter.epochs = 1
    config.evaluationUsers = 10
    return try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory(url: dir), backboneCache: cache, resume: resume)
  }

  struct LambdaLine: Decodable, Equatable {
    let event: String
    let stage: Int
    let step: Int
    let from: Double
    let to: Double
  }

  @Test("setLambda validates, logs each change with its stage and step, and metrics.json keeps every setting")
  func history() throws {
    let dir = ContinualPipelineTests.tempDir(), cache = ContinualPipelineTests.tempDir()
    let s = try Self.session(dir: dir, cache: cache)
    #expect(s.lambda == 2)
    #expect(s.strength.effective == 2 / Double(s.adaptedLinears))
    // Train into stage 1's adapter phase and a few steps.
    while s.stage < 1 { _ = try s.advance() }
    _ = try s.advance()  // phase start
    for _ in 0..<3 { _ = try s.advance() }
    let step = try #require(s.trainer?.step)
    #expect(try s.setLambda(5e4))
    #expect(try !s.setLambda(5e4))  // no change, nothing recorded
    for bad in [-1.0, .nan, .infinity] {
      #expect(throws: LorascopeError.self) { try s.setLambda(bad) }
    }
    #expect(s.lambda == 5e4)
    let written = try #require(try RunDirectory.openForInspection(dir).readMetrics())
    #expect(written.lambdaHistory == [
      LambdaSetting(stage: 0, step: 0, lambda: 2), LambdaSetting(stage: 1, step: step, lambda: 5e4),
    ])
    let lines = try RunDirectory.openForInspection(dir).readLog(LambdaLine.self).filter { $0.event == "lambda" }
    #expect(lines == [LambdaLine(event: "lambda", stage: 1, step: step, from: 2, to: 5e4)])
    // The next step trains with the new λ.
    guard case .step(let record) = try s.advance() else {
      Issue.record("expected a step")
      return
    }
    #expect(record.lambda == 5e4)
    // Every adapter step logs ‖λ_eff ∇P‖/‖∇CE‖; at λ = 5e4 the penalty is far from inert.
    #expect((record.penaltyGradientRatio ?? 0) > 0)
    // metrics.json written at the stage's end still has the history.
    try s.finishCurrentStage()
    let json = try String(contentsOf: dir.appendingPathComponent("metrics.json"), encoding: .utf8)
    #expect(json.contains("\"lambda_history\""))
    #expect(json.contains("\"penalty_gradient_ratio\"") && json.contains("\"penalty_nats\""))
    let stage1 = try #require(try RunDirectory.openForInspection(dir).readMetrics()?.stages.last)
    #expect(stage1.stage == 1 && (stage1.penaltyGradientRatio ?? 0) > 0 && (stage1.penaltyNats ?? -1) >= 0)
    #expect(try RunDirectory.openForInspection(dir).readMetrics()?.lambda(atEndOfStage: 1) == 5e4)
    #expect(try RunDirectory.openForInspection(dir).readMetrics()?.lambda(atEndOfStage: 0) == 2)
  }

  @Test("resume keeps the settings of finished stages and drops those of the stage it retrains")
  func resumeKeepsFinishedSettings() throws {
    let dir = ContinualPipelineTests.tempDir(), cache = ContinualPipelineTests.tempDir()
    do {
      let s = try Self.session(dir: dir, cache: cache)
      while s.stage < 1 { _ = try s.advance() }
      try s.setLambda(7)  // at stage 1, step 0: belongs to stage 1
      try s.finishCurrentStage()  // stage 1 finished
      _ = try s.advance()  // stage 2 starts
      _ = try s.advance()
      try s.setLambda(9)  // inside stage 2, which is not finished
    }
    let resumed = try Self.session(dir: dir, cache: cache, resume: true)
    #expect(resumed.stage == 2)
    #expect(resumed.metrics.lambdaHistory.map(\.lambda) == [2, 7])
    #expect(resumed.lambda == 7)
  }

  @Test("a metrics.json written before lambda_history reads its λ as the only setting; a bad λ is named")
  func oldMetricsFile() throws {
    let old = #"{"method":"peso","lambda":3,"seed":0,"blocks":4,"stages":[]}"#
    let m = try JSONDecoder().decode(RunMetrics.self, from: Data(old.utf8))
    #expect(m.lambdaHistory == [LambdaSetting(stage: 0, step: 0, lambda: 3)])
    let bad = #"{"method":"peso","lambda":3,"seed":0,"blocks":4,"stages":[],"lambda_history":[{"stage":0,"step":0,"lambda":-2}]}"#
    do {
      _ = try JSONDecoder().decode(RunMetrics.self, from: Data(bad.utf8))
      Issue.record("a negative λ was accepted")
    } catch {
      #expect("\(error)".contains("-2"))
    }
    // Round trip keeps the history and the starting λ under "lambda".
    var round = RunMetrics(method: .peso, lambda: 1, seed: 0, blocks: 2)
    round = try JSONDecoder().decode(RunMetrics.self, from: JSONEncoder().encode(round))
    #expect(round.startingLambda == 1 && round.currentLambda == 1)
  }

  @Test("a run refuses a starting λ that is not finite")
  func badStartingLambda() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.5, users: 40)
    let config = ContinualPipelineTests.config(data, method: .peso, lambda: .infinity)
    #expect(throws: LorascopeError.self) { try ContinualSession(config: config, dataset: data) }
  }
}
