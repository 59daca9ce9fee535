import Foundation
import Testing

@testable import LorascopeEngine

/// A tiny finished run for the run-directory tests: 3 synthetic blocks, a 1-layer model, one
/// short epoch per phase, so a whole run takes well under a second in a debug build.
enum TinyRun {
  static func dataset() throws -> ContinualDataset {
    var c = SyntheticDriftConfig(seed: 5)
    c.usersPerBlock = 40
    c.numBlocks = 3
    return try SyntheticDrift.generate(c)
  }

  /// The pipeline tests' small config, shrunk further: one layer, half an epoch per adapter phase.
  static func config(_ data: ContinualDataset) -> RunConfig {
    var c = ContinualPipelineTests.config(data, method: .peso, lambda: 1)
    c.seed = 9
    c.model.hiddenSize = 16
    c.model.numLayers = 1
    c.model.intermediateSize = 32
    c.lora = LoRAConfig(rank: 2, alpha: 4)
    for phase in [\RunConfig.backbone, \.adapterWarmStart, \.adapter] { c[keyPath: phase].batchSize = 8 }
    c.backbone.epochs = 1
    c.adapterWarmStart.epochs = 0.5
    c.adapter.epochs = 0.5
    c.beamWidth = 3
    c.evaluationUsers = 10
    return c
  }

  static func tempDir() -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-reliability-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
  }

  /// A finished run in a new directory (its writer lock released), with its backbone cache.
  static func finished() throws -> (data: ContinualDataset, config: RunConfig, dir: URL, cache: URL) {
    let data = try dataset()
    let config = config(data)
    let dir = tempDir()
    let cache = tempDir()
    let run = try RunDirectory(url: dir)
    try ContinualSession(config: config, dataset: data, runDirectory: run, backboneCache: cache).run()
    run.releaseWriterLock()
    return (data, config, dir, cache)
  }

  /// Replaces `old` by `new` in a text file; the text must contain `old`.
  static func rewrite(_ url: URL, replacing old: String, with new: String) throws {
    let text = try String(contentsOf: url, encoding: .utf8)
    #expect(text.contains(old), "\(url.path) does not contain \(old)")
    try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
  }

  static func inode(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.systemFileNumber] as? NSNumber)?.intValue ?? -1
  }
}

@Suite("Run directory reliability (issue 9 part 5)")
struct RunDirectoryReliabilityTests {
  @Test("a --run-dir under a file, or a link to a file, names the file in the way (not Cocoa's error 512)")
  func runDirectoryUnderAFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-rundir-file-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("afile")
    try Data("x".utf8).write(to: file)
    let link = dir.appendingPathComponent("link")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
    for target in [file.appendingPathComponent("x"), link] {
      #expect { _ = try RunDirectory(url: target) } throws: {
        "\($0)".contains("is a file, not a directory") && !"\($0)".contains("512")
      }
    }
    #expect(try String(contentsOf: file, encoding: .utf8) == "x")
  }

  @Test("inspection writes nothing: read-only directory, a stage being trained keeps its log lines, files untouched")
  func inspectionNeverWrites() throws {
    let (data, config, dir, cache) = try TinyRun.finished()
    let run = try RunDirectory(url: dir)
    // A stage in progress in another process: its lines are in the log, not yet in metrics.json.
    try run.appendLog([LambdaChange(stage: 3, step: 7, from: 1, to: 2)])
    let logURL = dir.appendingPathComponent("log.jsonl")
    let configURL = dir.appendingPathComponent("config.json")
    let logBefore = try Data(contentsOf: logURL)
    let configBefore = try Data(contentsOf: configURL)
    let inodes = (try TinyRun.inode(logURL), try TinyRun.inode(configURL))
    let everything = [dir, dir.appendingPathComponent("stages")] + (0..<3).map { dir.appendingPathComponent("stages/stage_\($0)") }
    for u in everything { chmod(u.path, 0o555) }
    defer { for u in everything { chmod(u.path, 0o755) } }

    // The writer still holds its lock: inspection does not need it.
    let inspected = try RunDirectory.openForInspection(dir)
    #expect(inspected.isReadOnly)
    let session = try ContinualSession(config: config, dataset: data, runDirectory: inspected, backboneCache: cache)
    #expect(session.stage == 3 && session.adapters.count == 3)
    _ = try session.model(afterStage: 2)
    #expect(throws: LorascopeError.self) { try inspected.appendLog([LambdaChange(stage: 0, step: 0, from: 0, to: 1)]) }
    #expect(throws: LorascopeError.self) { try inspected.truncateLog(keepingStagesBelow: 0) }

    #expect(try Data(contentsOf: logURL) == logBefore)
    #expect(try Data(contentsOf: configURL) == configBefore)
    #expect(try TinyRun.inode(logURL) == inodes.0 && TinyRun.inode(configURL) == inodes.1)
    run.releaseWriterLock()
  }

  @Test("inspecting a run whose finished stage lost its adapter is an error naming the file")
  func missingAdapterIsAnError() throws {
    let (data, config, dir, cache) = try TinyRun.finished()
    let adapter = dir.appendingPathComponent("stages/stage_1/adapter_model.safetensors")
    try FileManager.default.removeItem(at: adapter)
    let logBefore = try Data(contentsOf: dir.appendingPathComponent("log.jsonl"))
    let e = try #require(inspectionError(config, data, dir, cache), "a run with a missing adapter was opened")
    #expect(e.description.contains(adapter.path), "\(e)")
    #expect(try Data(contentsOf: dir.appendingPathComponent("log.jsonl")) == logBefore)
  }

  @Test("a stage adapter whose LoRA settings disagree with config.json is an error naming its adapter_config.json")
  func adapterSettingsMismatch() throws {
    let (data, config, dir, cache) = try TinyRun.finished()
    let adapterConfig = dir.appendingPathComponent("stages/stage_2/adapter_config.json")
    try TinyRun.rewrite(adapterConfig, replacing: #""lora_alpha": 4"#, with: #""lora_alpha": 5"#)
    let e = try #require(inspectionError(config, data, dir, cache), "an adapter with another lora_alpha was loaded")
    #expect(e.description.contains(adapterConfig.path) && e.description.contains("lora_alpha 5"), "\(e)")
  }

  @Test("one writer per run directory: a second writer is refused by name, inspection is not")
  func writerLock() throws {
    let dir = TinyRun.tempDir()
    let first = try RunDirectory(url: dir)
    do {
      _ = try RunDirectory(url: dir)
      Issue.record("a second writer opened a locked run directory")
    } catch let e as LorascopeError {
      #expect(e.description.contains("in use by another lorascope run") && e.description.contains("process \(getpid())"), "\(e)")
    }
    try Data("{}".utf8).write(to: first.configURL)
    _ = try RunDirectory.openForInspection(dir)
    first.releaseWriterLock()
    let second = try RunDirectory(url: dir)
    #expect(!second.isReadOnly)
  }

  @Test("a .lock planted as a symbolic link is refused by name, its target left untouched and nothing created")
  func symlinkedLockIsRefused() throws {
    let dir = TinyRun.tempDir()
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let victim = dir.deletingLastPathComponent().appendingPathComponent("victim-\(UUID().uuidString).txt")
    try Data("precious\n".utf8).write(to: victim)
    let lock = dir.appendingPathComponent(".lock")
    try FileManager.default.createSymbolicLink(at: lock, withDestinationURL: victim)
    do {
      _ = try RunDirectory(url: dir)
      Issue.record("a run directory whose .lock is a symbolic link was opened for writing")
    } catch let e as LorascopeError {
      #expect(e.description.contains(lock.path) && e.description.contains("symbolic link"), "\(e)")
    }
    #expect(try String(contentsOf: victim, encoding: .utf8) == "precious\n")
    // Refused before anything was created in the directory.
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("stages").path))
  }

  @Test("a symbolic link loop as the run directory says so, not 'no such directory'")
  func symlinkLoop() throws {
    let parent = TinyRun.tempDir()
    let a = parent.appendingPathComponent("a")
    let b = parent.appendingPathComponent("b")
    try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: b.path)
    try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: a.path)
    let e = try #require(throws: LorascopeError.self) { _ = try RunDirectory.openForInspection(a) }
    #expect(e.description.contains("symbolic link") && !e.description.contains("no such"), "\(e)")
  }

  @Test("inspecting a run whose metrics.json is gone names the file")
  func missingMetricsIsNamed() throws {
    let (data, config, dir, cache) = try TinyRun.finished()
    let metrics = dir.appendingPathComponent("metrics.json")
    try FileManager.default.removeItem(at: metrics)
    let session = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory.openForInspection(dir), backboneCache: cache)
    let e = try #require(throws: LorascopeError.self) { _ = try session.model(afterStage: 1) }
    #expect(e.description.contains(metrics.path), "\(e)")
  }

  @Test("a log.jsonl planted as a symbolic link is refused and its target left untouched")
  func symlinkedLogIsRefused() throws {
    let dir = TinyRun.tempDir()
    let run = try RunDirectory(url: dir)
    let victim = dir.deletingLastPathComponent().appendingPathComponent("victim-\(UUID().uuidString).txt")
    try Data("precious\n".utf8).write(to: victim)
    try FileManager.default.createSymbolicLink(at: run.logURL, withDestinationURL: victim)
    struct Line: Encodable { let stage: Int }
    #expect(throws: LorascopeError.self) { try run.appendLog([Line(stage: 0)]) }
    #expect(try String(contentsOf: victim, encoding: .utf8) == "precious\n")
  }

  @Test("resume after a kill during backbone pretraining keeps one line per step")
  func resumeDuringBackbone() throws {
    let data = try TinyRun.dataset()
    let config = TinyRun.config(data)
    let dir = TinyRun.tempDir()
    let cache = TinyRun.tempDir()
    do {
      let run = try RunDirectory(url: dir)
      let killed = try ContinualSession(config: config, dataset: data, runDirectory: run, backboneCache: cache)
      for _ in 0..<6 { _ = try killed.advance() }
      try killed.flush()
      #expect(killed.stage == 0 && killed.metrics.stages.isEmpty)
      run.releaseWriterLock()
    }
    let logBefore = try RunDirectory.openForInspection(dir).readLog(StepRecord.self)
    #expect(logBefore.count == 5)
    let run = try RunDirectory(url: dir)
    try ContinualSession(config: config, dataset: data, runDirectory: run, backboneCache: cache, resume: true).run()
    let records = try run.readLog(StepRecord.self)
    let keys = records.map { "\($0.stage)/\($0.phase)/\($0.step)" }
    #expect(Set(keys).count == keys.count, "duplicated log lines: \(keys.count - Set(keys).count)")
  }

  @Test("resume refuses a directory whose metrics.json or config.json is gone instead of retraining from stage 0")
  func resumeRefusesDamagedDirectory() throws {
    let (data, config, dir, cache) = try TinyRun.finished()
    try FileManager.default.removeItem(at: dir.appendingPathComponent("metrics.json"))
    for resume in [true, false] {
      do {
        _ = try ContinualSession(config: config, dataset: data, runDirectory: try RunDirectory(url: dir), backboneCache: cache, resume: resume)
        Issue.record("a run without metrics.json was reopened (resume: \(resume))")
      } catch let e as LorascopeError {
        #expect(e.description.contains("metrics.json is missing"), "\(e)")
      }
    }
    let (data2, config2, dir2, cache2) = try TinyRun.finished()
    try FileManager.default.removeItem(at: dir2.appendingPathComponent("config.json"))
    do {
      _ = try ContinualSession(config: config2, dataset: data2, runDirectory: try RunDirectory(url: dir2), backboneCache: cache2, resume: true)
      Issue.record("a run without config.json was reopened")
    } catch let e as LorascopeError {
      #expect(e.description.contains("config.json is missing"), "\(e)")
    }
  }

  @Test("temporary files of killed writers are removed; live ones in a shared cache are kept")
  func staleTemporaryFiles() throws {
    let dir = TinyRun.tempDir()
    let deadPID: Int32 = 0x3FFF_FFF0  // above any pid_max, so no process has it
    #expect(!StaleTemporaryFiles.isAlive(deadPID))
    let stages = dir.appendingPathComponent("stages")
    try FileManager.default.createDirectory(at: stages.appendingPathComponent("stage_1.tmp-\(deadPID)"), withIntermediateDirectories: true)
    try Data().write(to: dir.appendingPathComponent(".metrics.json.tmp-\(deadPID)-1234"))
    try Data().write(to: dir.appendingPathComponent("keep.json"))
    let run = try RunDirectory(url: dir)
    #expect(!FileManager.default.fileExists(atPath: stages.appendingPathComponent("stage_1.tmp-\(deadPID)").path))
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".metrics.json.tmp-\(deadPID)-1234").path))
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("keep.json").path))
    run.releaseWriterLock()

    let cache = TinyRun.tempDir()
    let parent = getppid()  // alive while this test runs
    for name in ["abc.tmp-\(deadPID)", "abc.old-\(deadPID)", "abc.tmp-\(parent)"] {
      try FileManager.default.createDirectory(at: cache.appendingPathComponent(name), withIntermediateDirectories: true)
    }
    let removed = StaleTemporaryFiles.remove(in: cache, holdingWriterLock: false)
    #expect(removed == ["abc.old-\(deadPID)", "abc.tmp-\(deadPID)"])
    #expect(StaleTemporaryFiles.ownerPID(ofTemporaryName: "stage_2") == nil)

    // Replacing a directory removes the leftovers of killed writes of that directory only.
    let exports = TinyRun.tempDir()
    for name in ["adapter.tmp-\(deadPID)", "adapter.old-\(deadPID)", "other.tmp-\(deadPID)", "adapter.tmp-\(parent)"] {
      try FileManager.default.createDirectory(at: exports.appendingPathComponent(name), withIntermediateDirectories: true)
    }
    try AtomicFile.replaceDirectory(at: exports.appendingPathComponent("adapter")) { _ in }
    let left = try FileManager.default.contentsOfDirectory(atPath: exports.path).sorted()
    #expect(left == ["adapter", "adapter.tmp-\(parent)", "other.tmp-\(deadPID)"], "\(left)")
    #expect(StaleTemporaryFiles.ownerPID(ofTemporaryName: ".config.json.tmp-42-99") == 42)
  }

  @Test("a bad field in config.json is an error naming the file, before any work")
  func badConfigField() throws {
    let (_, _, dir, _) = try TinyRun.finished()
    let configURL = dir.appendingPathComponent("config.json")
    try TinyRun.rewrite(configURL, replacing: #""rank" : 2"#, with: #""rank" : 0"#)
    do {
      _ = try RunDirectory.openForInspection(dir).readManifest()
      Issue.record("rank 0 was accepted")
    } catch let e as LorascopeError {
      #expect(e.description.contains(configURL.path) && e.description.contains("lora.rank"), "\(e)")
    }
  }

  @Test("rmsNormEps -1 or ropeTheta 0 in config.json is an invalid config naming the field, not a missing backbone",
        arguments: [(#""rmsNormEps" : 1e-06"#, #""rmsNormEps" : -1"#, "rmsNormEps"), (#""ropeTheta" : 10000"#, #""ropeTheta" : 0"#, "ropeTheta")])
  func badModelNumbers(_ original: String, _ replacement: String, _ field: String) throws {
    let (_, _, dir, _) = try TinyRun.finished()
    let configURL = dir.appendingPathComponent("config.json")
    try TinyRun.rewrite(configURL, replacing: original, with: replacement)
    let e = try #require(throws: LorascopeError.self) { _ = try RunDirectory.openForInspection(dir).readManifest() }
    #expect(e.description.contains(configURL.path) && e.description.contains(field) && !e.description.contains("missing"), "\(e)")
  }

  @Test("a NaN in a stage's adapter is an error naming the file, not the learning rate; a NaN in the cached backbone discards it")
  func nanInFiles() throws {
    let (data, config, dir, cache) = try TinyRun.finished()
    let adapterFile = dir.appendingPathComponent("stages/stage_1/adapter_model.safetensors")
    try poisonLastFloat(of: adapterFile)
    let e = try #require(inspectionError(config, data, dir, cache), "a NaN adapter was loaded")
    #expect(e.description.contains(adapterFile.path) && e.description.contains("non-finite") && !e.description.contains("learning rate"), "\(e)")

    let backboneDir = cache.appendingPathComponent(config.backboneKey(datasetFingerprint: data.fingerprint))
    let backboneFile = backboneDir.appendingPathComponent("model.safetensors")
    try poisonLastFloat(of: backboneFile)
    // The poisoned backbone no longer matches the checksums recorded when it was published: it
    // is discarded with a notice and pretrained again, never trained on (issue 26, defect 6).
    let session = try ContinualSession(config: config, dataset: data, backboneCache: cache)
    session.onCacheNotice = { _ in }
    try session.run()
    #expect(session.cacheNotices.contains { $0.contains(backboneDir.path) && $0.contains("model.safetensors differs") }, "\(session.cacheNotices)")
    #expect(BackboneCachePublisher.check(backboneDir) == .valid)
  }

  @Test("no NaN is ever written as a checkpoint")
  func nanIsNotWritten() throws {
    let data = try TinyRun.dataset()
    let model = try LlamaModel(config: TinyRun.config(data).model, seed: 1)
    model.attachLoRA(LoRAConfig(rank: 2, alpha: 4), seed: 2)
    let values = try #require(model.lora)
    values.write([.nan], at: 0)
    let out = TinyRun.tempDir().appendingPathComponent("adapter")
    #expect(throws: LorascopeError.self) {
      try ModelCheckpoint.writeAdapter(layout: try #require(model.loraLayout), values: values, baseModelPath: "b", to: out)
    }
    #expect(!FileManager.default.fileExists(atPath: out.path))
  }

  /// The error of opening `dir` for inspection, or nil (recorded by the caller) if it opened.
  func inspectionError(_ config: RunConfig, _ data: ContinualDataset, _ dir: URL, _ cache: URL) -> LorascopeError? {
    do {
      _ = try ContinualSession(config: config, dataset: data, runDirectory: try RunDirectory.openForInspection(dir), backboneCache: cache)
      return nil
    } catch {
      return error as? LorascopeError
    }
  }

  /// Overwrites the last 4 bytes of a safetensors file (the last F32 of its last tensor) with a NaN.
  func poisonLastFloat(of url: URL) throws {
    var bytes = try Data(contentsOf: url)
    let nan = Float.nan.bitPattern
    for k in 0..<4 { bytes[bytes.count - 4 + k] = UInt8((nan >> (8 * UInt32(k))) & 0xFF) }
    try bytes.write(to: url)
  }
}
