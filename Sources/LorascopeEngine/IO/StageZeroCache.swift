import Foundation

/// Finished stages 0 in the shared cache, so that a sweep trains and evaluates stage 0 once per
/// seed instead of once per (method, λ) (Docs/Architecture.md, "Stage-0 reuse").
///
/// Stage 0 — the LoRA warm start v_0 on block 0 and its evaluation — does not depend on the
/// method or λ: no penalty acts before stage 1 and every random stream of stage 0 comes from the
/// seed (Docs/Math.md §39). An entry `<cache>/stage0-<key>/` holds the adapter (and the embeddings
/// when they train) in the run directory's PEFT layout, and `stage0.json` with the stage's metrics,
/// the per-user ranks of block 0 and the warm start's log lines. It is published like a backbone
/// (`CacheEntryPublisher`): complete or absent, and checked against its checksums before use.
enum StageZeroCache {
  /// Bumped whenever stage 0's training or evaluation changes what it computes: 2 since the beam
  /// search never completes a history item (Docs/Design.md §5), which changed block 0's ranks
  /// under the same adapter (version-1 entries reported the ranks from before).
  public static let formatVersion = 2
  static let recordFileName = "stage0.json"
  static let adapterDirectoryName = "adapter"

  /// What a cached stage 0 holds besides its adapter.
  public struct Record: Codable, Equatable, Sendable {
    public var formatVersion: Int
    public var key: String
    public var metrics: StageMetrics
    /// The ranks of block 0's test users under v_0 (ranks.json's `stages[0]`).
    public var ranks: [ExampleRanks]
    /// The warm start's log.jsonl lines, so that a run that reuses the stage has a complete log.
    public var log: [StepRecord]

    enum CodingKeys: String, CodingKey { case formatVersion = "format_version", key, metrics, ranks, log }
  }

  /// The entry of `key` under `cache`.
  public static func entry(cache: URL, key: String) -> URL { cache.appendingPathComponent("stage0-\(key)") }

  /// The adapter directory of an entry (PEFT layout, as `stages/stage_0` of a run directory).
  public static func adapterDirectory(of entry: URL) -> URL { entry.appendingPathComponent(adapterDirectoryName) }

  /// Publishes a finished stage 0 unless an entry for `key` exists; `writeAdapter` writes the
  /// adapter directory it is given. Returns true when this call's copy became the entry.
  @discardableResult
  public static func publish(_ record: Record, cache: URL, writeAdapter: (URL) throws -> Void) throws -> Bool {
    try CacheEntryPublisher.publish(to: entry(cache: cache, key: record.key), marker: recordFileName) { staging in
      try writeAdapter(adapterDirectory(of: staging))
      // The record last: it is the marker that makes the entry complete.
      try AtomicFile.writeJSON(record, to: staging.appendingPathComponent(recordFileName))
    }
  }

  /// What the entry of `key` holds on disk (checked against its checksums).
  public static func check(cache: URL, key: String) -> CacheEntryPublisher.State {
    CacheEntryPublisher.check(entry(cache: cache, key: key), marker: recordFileName)
  }

  /// The record of the entry for `key`, or nil when there is none (or it was written by another
  /// format version, or for another key). A damaged record is an error naming the file.
  public static func read(cache: URL, key: String) throws -> Record? {
    let url = entry(cache: cache, key: key).appendingPathComponent(recordFileName)
    guard let record = try RunDirectory.readJSON(Record.self, at: url) else { return nil }
    guard record.formatVersion == formatVersion, record.key == key else { return nil }
    guard record.metrics.stage == 0, record.ranks.count == 1 else {
      throw LorascopeError.invalidFile(path: url.path, reason: "the record is not of a finished stage 0")
    }
    return record
  }
}

extension RunConfig {
  /// The key of a cached stage 0: everything stage 0 depends on — the backbone's key (data,
  /// model, seed, backbone phase, history window), the adapter's shape and dropout, the warm
  /// start's phase, the CE temperature, whether embeddings train, and the evaluation settings.
  /// Not the method, λ, the later phases, inheritance or the penalty's precision: they act from
  /// stage 1 on.
  public func stageZeroKey(datasetFingerprint: String) -> String {
    struct Parts: Encodable {
      let backbone: String
      let lora: LoRAConfig
      let warmStart: PhaseConfig
      let ceTemperature: Float
      let trainEmbeddings: Bool
      let beamWidth: Int
      let evaluationUsers: Int?
      let format: Int
    }
    let parts = Parts(
      backbone: backboneKey(datasetFingerprint: datasetFingerprint), lora: lora, warmStart: adapterWarmStart,
      ceTemperature: ceTemperature, trainEmbeddings: trainEmbeddings, beamWidth: beamWidth,
      evaluationUsers: evaluationUsers, format: StageZeroCache.formatVersion)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    // Encoding plain numbers and strings cannot fail; the fallback keeps the key total anyway.
    let text = (try? encoder.encode(parts)).map { String(decoding: $0, as: UTF8.self) } ?? "\(parts)"
    return FNV1a64.hexDigest(of: text)
  }
}
