import Foundation
import LorascopeEngine
import Testing

/// ranks.json (Docs/Statistics.md, "Per-user ranks in a run directory"): written with every stage,
/// equal to the metrics it explains, read back by inspection, carried through a resume, and
/// absent in old run directories without breaking them.
@Suite("Per-user ranks in a run directory")
struct RunRanksTests {
  /// A short run: 60 synthetic users per block, one backbone epoch, half an adapter epoch, 20 test users.
  static func smallRun(_ method: ContinualMethod) throws -> (ContinualDataset, RunConfig) {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    var config = ContinualPipelineTests.config(data, method: method)
    config.backbone.epochs = 1
    config.adapter.epochs = 0.5
    config.evaluationUsers = 20
    return (data, config)
  }

  @Test("every stage's ranks are written, reproduce R[t][j], survive resume and are read by inspection")
  func recordedAndReadBack() throws {
    let (data, config) = try Self.smallRun(.peso)
    let cache = ContinualPipelineTests.tempDir()
    let dirURL = ContinualPipelineTests.tempDir()
    let first = try ContinualSession(config: config, dataset: data, runDirectory: try RunDirectory(url: dirURL), backboneCache: cache)
    try first.finishCurrentStage()
    try first.finishCurrentStage()
    first.runDirectory?.releaseWriterLock()
    let resumed = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory(url: dirURL), backboneCache: cache, resume: true)
    #expect(resumed.ranks?.stages.count == 2)
    let metrics = try resumed.run()
    resumed.runDirectory?.releaseWriterLock()

    let inspected = try RunDirectory.openForInspection(dirURL)
    let ranks = try #require(try inspected.readRanks())
    #expect(ranks.version == RunRanks.currentVersion)
    #expect(ranks == resumed.ranks)
    #expect(ranks.stages.count == data.numBlocks)
    for (t, stage) in metrics.stages.enumerated() {
      #expect(ranks.stages[t].count == t + 1)
      for j in 0...t {
        #expect(ranks.stages[t][j].metrics == stage.perBlock[j], "stage \(t) block \(j)")
        #expect(ranks.stages[t][j].users == resumed.evaluationExamples(block: j).map(\.userIndex))
      }
    }
  }

  @Test("a frozen run carries earlier blocks' ranks from stage to stage: equal to decoding them afresh")
  func frozenCarriesRanks() throws {
    let (data, config) = try Self.smallRun(.frozen)
    let session = try ContinualSession(config: config, dataset: data, backboneCache: ContinualPipelineTests.tempDir())
    let metrics = try session.run()
    let ranks = try #require(session.ranks)
    let last = data.numBlocks - 1
    let model = try session.model(afterStage: last)
    for j in 0...last {
      let fresh = try session.evaluator.exampleRanks(model: model, examples: session.evaluationExamples(block: j))
      #expect(ranks.stages[last][j] == fresh, "block \(j)")
      #expect(metrics.stages[last].perBlock[j] == fresh.metrics, "block \(j)")
    }
  }

  @Test("a run directory without ranks.json still opens; a damaged one is refused naming the file")
  func oldAndDamaged() throws {
    let (data, config) = try Self.smallRun(.single)
    let cache = ContinualPipelineTests.tempDir()
    let dirURL = ContinualPipelineTests.tempDir()
    let s = try ContinualSession(config: config, dataset: data, runDirectory: try RunDirectory(url: dirURL), backboneCache: cache)
    try s.finishCurrentStage()
    s.runDirectory?.releaseWriterLock()
    let ranksURL = dirURL.appendingPathComponent("ranks.json")
    try FileManager.default.removeItem(at: ranksURL)
    let old = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory.openForInspection(dirURL), backboneCache: cache)
    #expect(old.metrics.stages.count == 1)
    #expect(old.ranks == nil)
    #expect(try RunDirectory.openForInspection(dirURL).readRanks() == nil)

    try Data(#"{"version":1,"stages":[[{"users":[1,2],"ranks":[3]}]]}"#.utf8).write(to: ranksURL)
    do {
      _ = try RunDirectory.openForInspection(dirURL).readRanks()
      Issue.record("a ranks.json with fewer ranks than users was accepted")
    } catch let e as LorascopeError {
      #expect(e.description.contains("ranks.json"), "\(e)")
    }
    try Data(#"{"version":7,"stages":[]}"#.utf8).write(to: ranksURL)
    #expect(throws: LorascopeError.self) { _ = try RunDirectory.openForInspection(dirURL).readRanks() }
  }
}
