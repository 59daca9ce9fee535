import Foundation
import LorascopeEngine
import Testing

/// End-to-end checks of the continual pipeline on small synthetic data (Docs/Design.md §2, §4–§6).
@Suite("Continual pipeline")
struct ContinualPipelineTests {
  static func dataset(drift: Double, users: Int = 160, seed: UInt64 = 11) throws -> ContinualDataset {
    var c = SyntheticDriftConfig(seed: seed)
    c.driftStrength = drift
    c.usersPerBlock = users
    c.numBlocks = 4
    return try SyntheticDrift.generate(c)
  }

  /// A model and schedule small enough for a debug build.
  static func config(_ data: ContinualDataset, method: ContinualMethod, lambda: Double = 2) -> RunConfig {
    var c = RunConfig.defaults(vocabSize: data.items.vocabSize, method: method, lambda: lambda, seed: 3)
    c.model = ModelConfig(vocabSize: data.items.vocabSize, hiddenSize: 32, numLayers: 2, numHeads: 2,
                          intermediateSize: 64, maxPositions: 128)
    c.lora = LoRAConfig(rank: 4, alpha: 8)
    c.backbone = PhaseConfig(epochs: 3, batchSize: 16, learningRate: 5e-3)
    c.adapterWarmStart = PhaseConfig(epochs: 1, batchSize: 16, learningRate: 2e-3)
    c.adapter = PhaseConfig(epochs: 2, batchSize: 16, learningRate: 2e-3)
    c.beamWidth = 5
    c.evaluationUsers = 60
    return c
  }

  static func tempDir() -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-test-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
  }

  /// Mean validation CE of the stages 1…T−1 on their own blocks.
  static func laterCE(_ m: RunMetrics) -> Double {
    let later = m.stages.filter { $0.stage >= 1 }
    return later.map(\.validationCE).reduce(0, +) / Double(later.count)
  }

  @Test("drift hurts a model that never adapts, and adapting recovers part of it (ground truth of the generator)")
  func driftResponse() throws {
    let cache = Self.tempDir()
    var ce: [String: Double] = [:]
    for drift in [0.0, 1.0] {
      let data = try Self.dataset(drift: drift)
      for method in [ContinualMethod.frozen, .single] {
        let s = try ContinualSession(config: Self.config(data, method: method), dataset: data, backboneCache: cache)
        ce["\(method.rawValue)@\(drift)"] = Self.laterCE(try s.run())
      }
    }
    // With drift 1 the later blocks' favourite clusters change, so a block-0 model predicts them worse.
    #expect(ce["frozen@1.0"]! > ce["frozen@0.0"]! + 0.02, "\(ce)")
    // Training on each new block adapts to it.
    #expect(ce["single@1.0"]! < ce["frozen@1.0"]!, "\(ce)")
  }

  @Test("every method runs end to end; beam candidates are valid items; the run directory is complete")
  func everyMethod() throws {
    let data = try Self.dataset(drift: 0.6, users: 80)
    let cache = Self.tempDir()
    for method in ContinualMethod.allCases {
      let dir = try RunDirectory(url: Self.tempDir())
      var c = Self.config(data, method: method)
      c.adapter.epochs = 1
      let s = try ContinualSession(config: c, dataset: data, runDirectory: dir, backboneCache: cache)
      let m = try s.run()
      #expect(m.stages.count == data.numBlocks, "\(method)")
      #expect(m.stages.allSatisfy { $0.validationCE.isFinite && $0.own.count > 0 }, "\(method)")
      #expect(m.stages.allSatisfy { $0.perBlock.count == $0.stage + 1 }, "\(method)")
      for t in 0..<data.numBlocks {
        #expect(FileManager.default.fileExists(atPath: dir.stageURL(t).appendingPathComponent("adapter_model.safetensors").path))
      }
      #expect(try dir.readMetrics() == m)
      let log = try dir.readLog(StepRecord.self)
      #expect(!log.isEmpty && log.allSatisfy { $0.ce.isFinite })
      if method == .frozen { #expect(m.stages.dropFirst().allSatisfy { $0.trainSteps == 0 }) }
      if method == .peso {
        // Later stages log one penalty per module, and it is non-zero once the adapter moves.
        let later = log.filter { $0.stage >= 1 }
        #expect(later.allSatisfy { $0.modulePenalty.count == 2 * 7 * 2 })
        #expect(later.last!.penalty > 0)
      }
    }
  }

  @Test("an interrupted run resumes from its last finished stage and ends where an uninterrupted run ends")
  func resume() throws {
    let data = try Self.dataset(drift: 0.6, users: 80)
    let cache = Self.tempDir()
    let config = Self.config(data, method: .peso)
    let full = try ContinualSession(config: config, dataset: data, backboneCache: cache).run()

    let dirURL = Self.tempDir()
    let first = try ContinualSession(config: config, dataset: data, runDirectory: try RunDirectory(url: dirURL), backboneCache: cache)
    try first.finishCurrentStage()
    try first.finishCurrentStage()
    #expect(first.metrics.stages.count == 2)
    // The interrupted process is gone: its writer lock with it.
    first.runDirectory?.releaseWriterLock()
    // A second session on the same directory must be told to resume.
    #expect(throws: LorascopeError.self) {
      _ = try ContinualSession(config: config, dataset: data, runDirectory: try RunDirectory(url: dirURL), backboneCache: cache)
    }
    let resumed = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory(url: dirURL), backboneCache: cache, resume: true)
    #expect(resumed.stage == 2)
    let m = try resumed.run()
    #expect(m.stages.map(\.own) == full.stages.map(\.own))
    #expect(m.stages.map(\.validationCE) == full.stages.map(\.validationCE))
    #expect(m.stages.map(\.baselines) == full.stages.map(\.baselines))
    #expect(resumed.ranks?.baselines?.count == data.numBlocks, "the counting baselines' ranks of the restored stages are kept")
  }

  @Test("a NaN loss stops the stage with a message and keeps the last good state")
  func nanLoss() throws {
    let data = try Self.dataset(drift: 0.6, users: 80)
    var c = Self.config(data, method: .single)
    c.backbone.learningRate = 1e30
    c.backbone.gradientClip = 0
    let s = try ContinualSession(config: c, dataset: data)
    var caught: LorascopeError?
    var lastGood: [Float] = []
    do {
      while true {
        lastGood = s.model?.weights.array ?? []
        _ = try s.advance()
      }
    } catch let e as LorascopeError {
      caught = e
    }
    guard case .numerical(let message)? = caught else {
      Issue.record("expected a numerical error, got \(String(describing: caught))")
      return
    }
    #expect(message.contains("not finite") && message.contains("stage 0"))
    #expect(s.model!.weights.array == lastGood)
    #expect(s.model!.weights.allFinite)
  }

  @Test("an exported stage loads back (HF backbone + PEFT adapter) with the same logits", arguments: [ContinualMethod.peso, .cumulativeAll])
  func export(method: ContinualMethod) throws {
    let data = try Self.dataset(drift: 0.6, users: 80)
    var c = Self.config(data, method: method)
    c.adapter.epochs = 1
    let s = try ContinualSession(config: c, dataset: data, backboneCache: Self.tempDir())
    _ = try s.run()
    let out = Self.tempDir()
    try s.exportStage(2, to: out)
    let reloaded = try ModelCheckpoint.readBackbone(from: out.appendingPathComponent("backbone"))
    let adapter = try ModelCheckpoint.readAdapter(from: out.appendingPathComponent("adapter"), config: reloaded.config)
    reloaded.attachLoRA(adapter.lora, values: adapter.values)
    let batch = ModelFixtures.batch(config: reloaded.config, rows: 2, seqLen: 12, seed: 1)
    let want = try s.model(afterStage: 2).logits(batch)
    let got = try reloaded.logits(batch)
    #expect(zip(want, got).map { abs($0 - $1) }.max()! < 1e-5)
  }
}
