import Foundation
import Testing

@testable import LorascopeEngine

/// The shared cache is an optimisation (issue 26, defects 5–7): an incomplete or damaged entry is
/// discarded with a notice and rebuilt, never reused and never a reason for a run to fail; a cache
/// that cannot be written is a warning.
@Suite("Cache integrity", .serialized)
struct CacheIntegrityTests {
  static func setting() throws -> (ContinualDataset, RunConfig) {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    return (data, StageZeroCacheTests.quickConfig(data, method: .single))
  }

  /// Runs stage 0 (backbone, then v_0) with stage-0 reuse; returns the session.
  @discardableResult
  static func stageZero(_ data: ContinualDataset, _ config: RunConfig, cache: URL) throws -> ContinualSession {
    let session = try ContinualSession(config: config, dataset: data, backboneCache: cache, reuseStageZero: true)
    session.onCacheNotice = { _ in }
    try session.finishCurrentStage()
    return session
  }

  static func flipOneBit(in url: URL, at offset: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
    var bytes = try Data(contentsOf: url)
    bytes[offset] ^= 0x10
    try bytes.write(to: url)
  }

  @Test("a backbone entry that lost model.safetensors is discarded, rebuilt and published again")
  func incompleteBackboneEntry() throws {
    let (data, config) = try Self.setting()
    let cache = ContinualPipelineTests.tempDir()
    let first = try Self.stageZero(data, config, cache: cache)
    let entry = try #require(first.backboneDirectory)
    try FileManager.default.removeItem(at: entry.appendingPathComponent("model.safetensors"))

    let second = try Self.stageZero(data, config, cache: cache)
    #expect(second.cacheNotices.contains { $0.contains("discarded the incomplete cache entry \(entry.path)") }, "\(second.cacheNotices)")
    #expect(BackboneCachePublisher.check(entry) == .valid)
    // The rebuilt entry serves the next run without a notice.
    let third = try Self.stageZero(data, config, cache: cache)
    #expect(third.cacheNotices.isEmpty, "\(third.cacheNotices)")
  }

  @Test("an edited stage0.json or a bit-flipped cached adapter or backbone is discarded with a notice and rebuilt")
  func damagedEntries() throws {
    let (data, config) = try Self.setting()
    let cache = ContinualPipelineTests.tempDir()
    let trained = try Self.stageZero(data, config, cache: cache)
    let truth = trained.metrics.stages[0]
    let key = config.stageZeroKey(datasetFingerprint: data.fingerprint)
    let stageEntry = StageZeroCache.entry(cache: cache, key: key)

    // An edited record: its NDCG@5 must not become the run's.
    let record = stageEntry.appendingPathComponent("stage0.json")
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: record.path)
    let text = try String(contentsOf: record, encoding: .utf8)
    let edited = text.replacingOccurrences(
      of: #""ndcg5" : [0-9.e-]+"#, with: #""ndcg5" : 0.99"#, options: .regularExpression)
    #expect(edited != text)
    try Data(edited.utf8).write(to: record)
    let afterEdit = try Self.stageZero(data, config, cache: cache)
    #expect(afterEdit.cacheNotices.contains { $0.contains("discarded the damaged cache entry \(stageEntry.path)") && $0.contains("stage0.json") },
            "\(afterEdit.cacheNotices)")
    #expect(afterEdit.metrics.stages[0].reusedFrom == nil, "the edited entry was reused")
    #expect(afterEdit.metrics.stages[0].own == truth.own)

    // A bit flipped in the (republished) cached adapter.
    let adapter = StageZeroCache.adapterDirectory(of: stageEntry).appendingPathComponent("adapter_model.safetensors")
    try Self.flipOneBit(in: adapter, at: try Data(contentsOf: adapter).count - 3)
    let afterFlip = try Self.stageZero(data, config, cache: cache)
    #expect(afterFlip.cacheNotices.contains { $0.contains("adapter/adapter_model.safetensors differs") }, "\(afterFlip.cacheNotices)")
    #expect(afterFlip.adapters[0].array == trained.adapters[0].array)

    // A bit flipped in the cached backbone.
    let backbone = try #require(trained.backboneDirectory).appendingPathComponent("model.safetensors")
    try Self.flipOneBit(in: backbone, at: try Data(contentsOf: backbone).count - 3)
    let afterBackboneFlip = try Self.stageZero(data, config, cache: cache)
    #expect(afterBackboneFlip.cacheNotices.contains { $0.contains("model.safetensors differs") }, "\(afterBackboneFlip.cacheNotices)")
    #expect(afterBackboneFlip.adapters[0].array == trained.adapters[0].array)
  }

  @Test("a backbone entry from before checksums is used when it loads, and adopted; a run that only inspects never discards an entry")
  func legacyAndInspection() throws {
    let (data, config, dir, cache) = try TinyRun.finished()
    let entry = cache.appendingPathComponent(config.backboneKey(datasetFingerprint: data.fingerprint))
    // An entry of an older lorascope: no checksums.json. Inspecting the run uses it.
    try FileManager.default.removeItem(at: entry.appendingPathComponent(CacheEntryChecksums.fileName))
    #expect(BackboneCachePublisher.check(entry).problem?.contains("before cache entries carried checksums") == true)
    let inspecting = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory.openForInspection(dir), backboneCache: cache)
    #expect(inspecting.adapters.count == data.numBlocks)
    #expect(!FileManager.default.fileExists(atPath: entry.appendingPathComponent(CacheEntryChecksums.fileName).path),
            "an inspecting session wrote into the cache")
    // A writing session adopts it once it has loaded.
    let writing = try ContinualSession(config: config, dataset: data, backboneCache: cache)
    writing.onCacheNotice = { _ in }
    try writing.finishCurrentStage()
    #expect(writing.cacheNotices.isEmpty, "\(writing.cacheNotices)")
    #expect(BackboneCachePublisher.check(entry) == .valid)

    // Damaged: a run that keeps its own backbone does not need the entry and leaves it alone;
    // an older run, whose backbone is a link into the cache, reports it by name and leaves it.
    let weights = entry.appendingPathComponent("model.safetensors")
    try Self.flipOneBit(in: weights, at: try Data(contentsOf: weights).count - 3)
    let ownBackbone = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory.openForInspection(dir), backboneCache: cache)
    #expect(ownBackbone.adapters.count == data.numBlocks)
    let runBackbone = dir.appendingPathComponent("backbone")
    try FileManager.default.removeItem(at: runBackbone)
    try FileManager.default.createSymbolicLink(at: runBackbone, withDestinationURL: entry)
    let error = try #require(throws: LorascopeError.self) {
      _ = try ContinualSession(
        config: config, dataset: data, runDirectory: try RunDirectory.openForInspection(dir), backboneCache: cache)
    }
    #expect(error.description.contains(entry.path) && error.description.contains("damaged"), "\(error)")
    #expect(FileManager.default.fileExists(atPath: weights.path))
  }

  @Test("a cache that cannot be written is a warning, not a failed run")
  func unwritableCache() throws {
    let (data, config) = try Self.setting()
    let parent = ContinualPipelineTests.tempDir()
    // A regular file where the cache directory should be: no entry can be created under it
    // (even by root, for whom permissions would not stop the write).
    let cache = parent.appendingPathComponent("cache")
    try Data("not a directory".utf8).write(to: cache)
    let session = try Self.stageZero(data, config, cache: cache)
    #expect(session.stage == 1)
    #expect(session.cacheNotices.contains { $0.contains("cannot write the backbone to the cache") }, "\(session.cacheNotices)")
    #expect(session.cacheNotices.contains { $0.contains("cannot write stage 0 to the cache") }, "\(session.cacheNotices)")
  }
}
