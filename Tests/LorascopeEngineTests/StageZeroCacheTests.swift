import Foundation
@testable import LorascopeEngine
import Testing

/// Stage-0 reuse (Docs/Architecture.md, "Stage-0 reuse"): a run that takes stage 0 from the cache
/// ends exactly where a run that trains it ends, for any method and λ; settings stage 0 depends on
/// give another entry.
@Suite("Stage-0 reuse")
struct StageZeroCacheTests {
  static func quickConfig(_ data: ContinualDataset, method: ContinualMethod, lambda: Double = 2) -> RunConfig {
    var config = ContinualPipelineTests.config(data, method: method)
    config.lambda = lambda
    config.backbone.epochs = 1
    config.adapter.epochs = 0.5
    config.evaluationUsers = 20
    return config
  }

  @Test("a run of another method and λ reusing stage 0 equals the same run trained from scratch, metrics, ranks, adapters and log")
  func reuseEqualsTraining() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    let cache = ContinualPipelineTests.tempDir()
    // The first run (single) trains stage 0 and publishes it.
    let producer = try ContinualSession(
      config: Self.quickConfig(data, method: .single), dataset: data, backboneCache: cache, reuseStageZero: true)
    try producer.finishCurrentStage()
    try producer.finishCurrentStage()
    #expect(producer.metrics.stages[0].reusedFrom == nil)
    let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasPrefix("stage0-") }
    #expect(entries.count == 1)

    // A PESO run at another λ, once reusing and once training stage 0 itself.
    let peso = Self.quickConfig(data, method: .peso, lambda: 50)
    let reusedDir = try RunDirectory(url: ContinualPipelineTests.tempDir())
    let reusing = try ContinualSession(config: peso, dataset: data, runDirectory: reusedDir, backboneCache: cache, reuseStageZero: true)
    let trainedDir = try RunDirectory(url: ContinualPipelineTests.tempDir())
    let training = try ContinualSession(config: peso, dataset: data, runDirectory: trainedDir, backboneCache: cache)
    var reuseSteps = 0
    let a = try reusing.run { if case .step(let r) = $0, r.stage == 0 { reuseSteps += 1 } }
    let b = try training.run()
    #expect(reuseSteps == 0, "stage 0 was trained again instead of reused")
    #expect(a.stages[0].reusedFrom != nil)
    #expect(a.stages.allSatisfy { $0.baselineCE != nil }, "every stage records its code-frequency baseline")
    #expect(a.stages.allSatisfy { $0.baselines != nil }, "every stage records its counting baselines, the reused stage 0 too")
    var stripped = a
    stripped.stages[0].reusedFrom = nil
    // Wall times differ; everything computed must not.
    for t in 0..<data.numBlocks {
      stripped.stages[t].trainSeconds = 0; stripped.stages[t].evaluationSeconds = 0
    }
    var reference = b
    for t in 0..<data.numBlocks { reference.stages[t].trainSeconds = 0; reference.stages[t].evaluationSeconds = 0 }
    stripped.backboneSeconds = reference.backboneSeconds
    #expect(stripped == reference)
    #expect(reusing.ranks == training.ranks)
    for t in 0..<data.numBlocks { #expect(reusing.adapters[t].array == training.adapters[t].array, "adapter of stage \(t)") }

    // The reusing run's directory is a complete run: its log has the warm start's steps and it resumes.
    let reusedLog = try reusedDir.readLog(StepRecord.self)
    let trainedLog = try trainedDir.readLog(StepRecord.self)
    #expect(reusedLog.filter { $0.stage == 0 } == trainedLog.filter { $0.stage == 0 })
    #expect(try reusedDir.readRanks() == training.ranks)
    reusedDir.releaseWriterLock()
    trainedDir.releaseWriterLock()
    let reopened = try ContinualSession(
      config: peso, dataset: data, runDirectory: try RunDirectory.openForInspection(reusedDir.url), backboneCache: cache)
    #expect(reopened.adapters[0].array == training.adapters[0].array)
  }

  @Test("the key follows what stage 0 depends on and nothing else")
  func keyDependsOnStageZeroOnly() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    let base = Self.quickConfig(data, method: .peso)
    let key = base.stageZeroKey(datasetFingerprint: data.fingerprint)
    var other = base
    other.method = .ewc; other.lambda = 1e5; other.adapter.epochs = 7; other.adapter.learningRate = 0.5
    other.inherit = false; other.normalizePastAdapters = false; other.penaltyPrecision = .bf16
    #expect(other.stageZeroKey(datasetFingerprint: data.fingerprint) == key)
    var changes: [(String, RunConfig)] = []
    var c = base; c.seed = 9; changes.append(("seed", c))
    c = base; c.adapterWarmStart.learningRate *= 3; changes.append(("warm-start learning rate", c))
    c = base; c.lora.rank += 2; changes.append(("rank", c))
    c = base; c.lora.dropout = 0.05; changes.append(("dropout", c))
    c = base; c.trainEmbeddings = true; changes.append(("embeddings", c))
    c = base; c.ceTemperature = 0.8; changes.append(("temperature", c))
    c = base; c.evaluationUsers = (c.evaluationUsers ?? 0) + 1; changes.append(("evaluation users", c))
    c = base; c.beamWidth += 1; changes.append(("beam", c))
    c = base; c.backbone.epochs += 1; changes.append(("backbone epochs", c))
    for (what, changed) in changes {
      #expect(changed.stageZeroKey(datasetFingerprint: data.fingerprint) != key, "\(what) does not change the key")
    }
    #expect(base.stageZeroKey(datasetFingerprint: "another") != key)
  }

  @Test("without reuse nothing is published; a damaged record is discarded and stage 0 trained again")
  func optInAndDamaged() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    let cache = ContinualPipelineTests.tempDir()
    let config = Self.quickConfig(data, method: .single)
    let plain = try ContinualSession(config: config, dataset: data, backboneCache: cache)
    try plain.finishCurrentStage()
    #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).allSatisfy { !$0.hasPrefix("stage0-") })

    let publisher = try ContinualSession(config: config, dataset: data, backboneCache: cache, reuseStageZero: true)
    try publisher.finishCurrentStage()
    let entry = StageZeroCache.entry(cache: cache, key: config.stageZeroKey(datasetFingerprint: data.fingerprint))
    let record = entry.appendingPathComponent("stage0.json")
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: record.path)
    try Data("{ not json".utf8).write(to: record)
    let reader = try ContinualSession(config: config, dataset: data, backboneCache: cache, reuseStageZero: true)
    reader.onCacheNotice = { _ in }
    try reader.finishCurrentStage()
    #expect(reader.metrics.stages[0].reusedFrom == nil)
    #expect(reader.cacheNotices.contains { $0.contains(entry.path) && $0.contains("stage0.json") }, "\(reader.cacheNotices)")
  }
}
