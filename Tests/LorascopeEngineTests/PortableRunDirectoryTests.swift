import Foundation
import Testing

@testable import LorascopeEngine

/// A run directory keeps its own backbone (`RunDirectory.keepBackbone`), so a copy of it reopens
/// elsewhere with an empty cache (Docs/Architecture.md "The run directory").
struct PortableRunDirectoryTests {
  @Test("a finished run copied elsewhere reopens with an empty cache: stages, retrain, race and export work")
  func copiedRunReopensWithoutTheCache() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 80)
    var config = ContinualPipelineTests.config(data, method: .peso)
    config.adapter.epochs = 1
    let original = ContinualPipelineTests.tempDir()
    let trained = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory(url: original),
      backboneCache: ContinualPipelineTests.tempDir())
    try trained.finishCurrentStage()
    try trained.finishCurrentStage()
    trained.runDirectory?.releaseWriterLock()

    // The backbone is a directory of the run's own, not a link into the cache.
    var status = stat()
    #expect(lstat(original.appendingPathComponent("backbone").path, &status) == 0)
    #expect((status.st_mode & S_IFMT) == S_IFDIR, "backbone/ is a real directory")

    let copy = ContinualPipelineTests.tempDir().appendingPathComponent("moved-run")
    try FileManager.default.copyItem(at: original, to: copy)
    let emptyCache = ContinualPipelineTests.tempDir()
    let reopened = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory.openForInspection(copy), backboneCache: emptyCache)
    #expect(reopened.stage == 2)
    let before = try trained.model(afterStage: 1)
    let after = try reopened.model(afterStage: 1)
    #expect(after.weights.array == before.weights.array)
    #expect(after.lora?.array == before.lora?.array)
    // Retraining and racing from the copy train as the original did.
    #expect(try reopened.retrainStage(1, lambda: 0).array == (try trained.retrainStage(1, lambda: 0)).array)
    _ = try StageRace(session: reopened, stage: 1, lambdas: [0, 10])
    try reopened.exportStage(1, to: ContinualPipelineTests.tempDir().appendingPathComponent("export"))
    // Nothing was written into the empty cache.
    #expect(try FileManager.default.contentsOfDirectory(atPath: emptyCache.path).isEmpty)

    // Resuming the copy for writing also works without the cache.
    let resumed = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory(url: copy), backboneCache: ContinualPipelineTests.tempDir(),
      resume: true)
    try resumed.finishCurrentStage()
    #expect(resumed.stage == 3)
  }
}
