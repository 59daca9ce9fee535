import Foundation
import LorascopeEngine
import Testing

@testable import LorascopeTUI

/// The real engine thread on a small synthetic run: commands in, snapshots out.
@Suite("EngineController on a real session", .serialized)
struct EngineControllerTests {
  /// A run small enough for a debug build: 3 blocks of 60 users, 1 backbone epoch.
  static func session(runDirectory: RunDirectory?) throws -> ContinualSession {
    var data = SyntheticDriftConfig(seed: 7)
    data.numBlocks = 3
    data.usersPerBlock = 60
    let dataset = try DataSpec.synthetic(data).load()
    var config = RunConfig.defaults(vocabSize: dataset.items.vocabSize, lambda: 2, seed: 1)
    config.backbone.epochs = 1
    config.adapterWarmStart.epochs = 1
    config.adapter.epochs = 1
    config.evaluationUsers = 10
    config.beamWidth = 2
    return try ContinualSession(config: config, dataset: dataset, runDirectory: runDirectory)
  }

  /// Polls the snapshot until `condition` holds (or fails after `seconds`).
  @discardableResult
  func waitFor(
    _ engine: EngineController, seconds: Double = 20, _ what: String,
    _ condition: (DashboardSnapshot) -> Bool
  ) -> DashboardSnapshot {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      let snapshot = engine.snapshot()
      if condition(snapshot) { return snapshot }
      Thread.sleep(forTimeInterval: 0.01)
    }
    let last = engine.snapshot()
    Issue.record("timed out waiting for \(what): activity \(last.activity), phase \(String(describing: last.phase)), status \(last.status), error \(String(describing: last.error))")
    return engine.snapshot()
  }

  @Test func stepsLambdaStagesSpectrumCuesAndErrors() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-tui-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let runDirectory = try RunDirectory(url: directory)
    let engine = EngineController(session: try Self.session(runDirectory: runDirectory), startRunning: false)
    #expect(engine.snapshot().activity == .paused)
    #expect(engine.snapshot().run.modules.count == 56)
    engine.start()

    // One step of backbone pretraining, then λ for the next step.
    engine.send(.step)
    var s = waitFor(engine, "the first step") { $0.phase?.step == 1 }
    #expect(s.phase?.isBackbone == true)
    #expect(s.backboneLoss.count == 1)
    #expect(s.spectrum.status == .unavailable("spectrum from stage 1 on (stage 0 has no anchor)"))
    engine.send(.setLambda(5))
    s = waitFor(engine, "λ = 5") { $0.strength.lambda == 5 }
    #expect(s.status.contains("λ 2 → 5"))
    let log = try String(contentsOf: directory.appendingPathComponent("log.jsonl"), encoding: .utf8)
    #expect(log.contains(#""event":"lambda""#))
    #expect(log.contains(#""to":5"#))
    // The engine records the change in metrics.json too, with its stage and step (the snapshot
    // can be published a moment before the file is renamed into place on a loaded machine).
    let expectedHistory = [LambdaSetting(stage: 0, step: 0, lambda: 2), LambdaSetting(stage: 0, step: 1, lambda: 5)]
    let historyDeadline = Date().addingTimeInterval(10)
    while Date() < historyDeadline, (try? runDirectory.readMetrics()?.lambdaHistory) != expectedHistory {
      Thread.sleep(forTimeInterval: 0.01)
    }
    #expect(try runDirectory.readMetrics()?.lambdaHistory == [
      LambdaSetting(stage: 0, step: 0, lambda: 2), LambdaSetting(stage: 0, step: 1, lambda: 5),
    ])
    // A λ the engine refuses is an error on screen, never a crash; λ stays.
    engine.send(.setLambda(-.infinity))
    s = waitFor(engine, "the refusal") { $0.error != nil }
    #expect(s.error?.message.contains("λ must be a finite number") == true)
    #expect(s.strength.lambda == 5)

    // s: the rest of stage 0, evaluated, then paused.
    engine.send(.finishStage)
    s = waitFor(engine, "stage 0 evaluated") { $0.stages.count == 1 && $0.activity == .paused }
    #expect(s.matrix.count == 1)
    #expect(s.stage == 1)

    // Into stage 1: the spectrum comes by itself, from a copy of the model.
    engine.send(.setCues([.step(stage: 1, backbone: false, step: 2)]))
    engine.send(.run)
    s = waitFor(engine, "the cue at stage 1 step 2") { $0.cue?.serial == 1 }
    #expect(s.phase?.step == 2)
    #expect(s.activity == .paused)
    #expect(s.modulePenalty.count == 56)
    s = waitFor(engine, "the spectrum of stage 1") { $0.spectrum.status == .ready }
    #expect(s.spectrum.result?.stage == 1)
    #expect(s.spectrum.result?.label == "layers.0.self_attn.q_proj.lora_A")
    #expect((s.spectrum.result?.rho.count ?? 0) > 0)
    engine.send(.spectrum(SpectrumRequest(selection: .module(3), fisher: .empirical, fresh: false)))
    s = waitFor(engine, "the re-solve for module 3") {
      $0.spectrum.status == .ready && $0.spectrum.result?.label == "layers.0.self_attn.k_proj.lora_B"
    }

    // An absurd λ (it used to make the penalty overflow at the next step; since issue 26 it is
    // refused when set): the error is published, the thread lives on.
    engine.send(.setLambda(1e308))
    s = waitFor(engine, "the engine error") { $0.error != nil && $0.activity == .paused }
    #expect(s.error?.message.contains("above the largest λ") == true, "\(String(describing: s.error?.message))")
    let failedAt = s.phase
    engine.send(.setLambda(2))
    engine.send(.step)
    s = waitFor(engine, "a step after the error") { $0.error == nil }
    // The engine went on from where it was (here the refused λ came at the end of a stage, so
    // the step finishes it and the next stage starts).
    #expect(s.phase != failedAt && (s.phase?.stage ?? -1) >= (failedAt?.stage ?? 0))

    #expect(engine.stop(waitingUpTo: 30))
  }

  /// Dashboard.run's quit: `stop(waitingUpTo: 0.5)`, then `stop(waitingUpTo: 30)` when a spectrum
  /// was still running. The second call must see the completions the first one already observed
  /// (it used to sleep out all 30 s on a consumed one-shot semaphore).
  @Test func aSecondStopReturnsAtOnce() throws {
    let engine = EngineController(session: try Self.session(runDirectory: nil), startRunning: false)
    engine.start()
    #expect(engine.stop(waitingUpTo: 5))
    let started = Date()
    #expect(engine.stop(waitingUpTo: 30))
    let waited = Date().timeIntervalSince(started)
    #expect(waited < 1, "the second stop waited \(waited) s")
  }
}

@Suite("CompletionLatch")
struct CompletionLatchTests {
  @Test func everyWaitAfterTheFinishSucceedsAtOnce() {
    let latch = CompletionLatch()
    #expect(!latch.wait(upTo: 0.01))
    let thread = Thread { latch.markFinished() }
    thread.start()
    #expect(latch.wait(upTo: 10))
    let started = Date()
    #expect(latch.wait(upTo: 10))
    #expect(latch.wait(upTo: 10))
    #expect(Date().timeIntervalSince(started) < 1)
  }
}
