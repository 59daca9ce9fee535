import Foundation

/// What a run directory's config.json records: the run's settings and the data they ran on.
public struct RunManifest: Codable, Equatable, Sendable {
  public var config: RunConfig
  public var datasetName: String
  public var datasetSource: String
  public var datasetFingerprint: String
  public var backboneKey: String
  /// How to load the data again (nil if the session was created from an in-memory dataset).
  public var data: DataSpec?
  public var lorascopeVersion: String

  enum CodingKeys: String, CodingKey {
    case config, datasetName = "dataset_name", datasetSource = "dataset_source"
    case datasetFingerprint = "dataset_fingerprint", backboneKey = "backbone_key"
    case lorascopeVersion = "lorascope_version", data
  }
}

/// A run directory (Docs/Design.md §6): config.json, a link to the cached backbone, one PEFT adapter
/// directory per finished stage, metrics.json and log.jsonl. Every file but the append-only
/// log is written atomically (temporary file + rename); the log is appended one whole line
/// per write, and a torn last line is skipped when read.
///
/// Two ways to open one: `init(url:)` for the one process that trains in it (it creates the
/// directory, takes the writer lock `.lock` and removes temporary files a killed writer left),
/// and `openForInspection(_:)` for commands that only read (`spectrum`, `export`, `verify`): no
/// lock, no writes — every write method throws — so inspection works on a read-only directory
/// and while another process trains in it.
public final class RunDirectory: @unchecked Sendable {
  public let url: URL
  /// True when opened by `openForInspection`: nothing may be written.
  public let isReadOnly: Bool
  private var logHandle: FileHandle?
  private var writerLock: RunDirectoryLock?

  /// Opens (creating it if needed) a run directory for writing. Throws `LorascopeError.usage` when
  /// another process holds its writer lock.
  public init(url: URL) throws {
    // Checked before anything is created in it (the lock included): an imported run is read-only.
    if ImportedRun.isImported(url) {
      throw LorascopeError.usage(
        "\(url.path) is a run made by `lorascope import`: it is read-only and has no training to resume; "
          + "use inspect or spectrum --gradients on it, or choose another --run-dir")
    }
    self.url = url
    isReadOnly = false
    // The directory, then the lock, then stages/: a refused lock (a symlink, another writer)
    // leaves nothing new behind in a directory that is not ours.
    try Self.createDirectory(url, of: url)
    writerLock = try RunDirectoryLock(directory: url)
    try Self.createDirectory(url.appendingPathComponent("stages"), of: url)
    StaleTemporaryFiles.remove(in: url, holdingWriterLock: true)
    StaleTemporaryFiles.remove(in: url.appendingPathComponent("stages"), holdingWriterLock: true)
  }

  /// Creates `directory` (and its parents) of the run directory `run`, naming a file in the way.
  private static func createDirectory(_ directory: URL, of run: URL) throws {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      // Foundation says "error 512" when a file is in the way: name that file instead.
      if let file = FileInTheWay.blocking(directory) {
        throw LorascopeError.io("cannot create run directory \(run.path): \(file) is a file, not a directory; choose another --run-dir")
      }
      throw LorascopeError.io("cannot create run directory \(run.path): \(error.localizedDescription)")
    }
  }

  private init(inspecting url: URL) {
    self.url = url
    isReadOnly = true
  }

  /// Opens an existing run directory to read it: it must exist and hold config.json. Takes no
  /// lock and writes nothing.
  public static func openForInspection(_ url: URL) throws -> RunDirectory {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      // fileExists follows links: tell a loop or a dangling link from a missing directory.
      var status = stat()
      if lstat(url.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK {
        let reason = stat(url.path, &status) == 0 ? "not a directory" : String(cString: strerror(errno))
        throw LorascopeError.usage("\(url.path) is not a run directory: it is a symbolic link that cannot be followed (\(reason))")
      }
      throw LorascopeError.usage("\(url.path) is not a run directory (no such directory)")
    }
    let dir = RunDirectory(inspecting: url)
    guard FileManager.default.fileExists(atPath: dir.configURL.path) else {
      throw LorascopeError.usage("\(url.path) is not a run directory (no config.json)")
    }
    return dir
  }

  /// Gives up the writer lock before the object goes away (another writer may then open the directory).
  public func releaseWriterLock() {
    try? logHandle?.close()
    logHandle = nil
    writerLock?.release()
    writerLock = nil
  }

  private func requireWritable(_ what: URL) throws {
    if isReadOnly {
      throw LorascopeError.usage("\(url.path) is open for inspection only; not writing \(what.lastPathComponent)")
    }
    if writerLock == nil {
      throw LorascopeError.usage("\(url.path): the writer lock was released; not writing \(what.lastPathComponent)")
    }
  }

  deinit { try? logHandle?.close() }

  public var configURL: URL { url.appendingPathComponent("config.json") }
  public var metricsURL: URL { url.appendingPathComponent("metrics.json") }
  public var logURL: URL { url.appendingPathComponent("log.jsonl") }
  public var backboneURL: URL { url.appendingPathComponent("backbone") }
  public func stageURL(_ t: Int) -> URL { url.appendingPathComponent("stages/stage_\(t)") }

  public func writeManifest(_ m: RunManifest) throws {
    try requireWritable(configURL)
    try AtomicFile.writeJSON(m, to: configURL)
  }

  /// config.json, its settings checked (`RunConfig.validate`): a bad field is an error naming the file.
  public func readManifest() throws -> RunManifest? {
    guard let manifest = try Self.readJSON(RunManifest.self, at: configURL) else { return nil }
    do { try manifest.config.validate() } catch let error as LorascopeError {
      throw LorascopeError.invalidFile(path: configURL.path, reason: "\(error)")
    }
    return manifest
  }

  public func writeMetrics(_ m: RunMetrics) throws {
    try requireWritable(metricsURL)
    try AtomicFile.writeJSON(m, to: metricsURL)
  }

  public func readMetrics() throws -> RunMetrics? { try Self.readJSON(RunMetrics.self, at: metricsURL) }

  /// Keeps the backbone the run trains on inside the run directory, as a `LlamaForCausalLM`
  /// directory of its own (a few MB at lorascope's sizes): a run directory copied to another
  /// machine or user, or whose cache was cleared, reopens from it (Docs/Architecture.md "The run
  /// directory"). Replaces whatever `backbone` was there, the symbolic link into the cache of
  /// runs written before, atomically.
  public func keepBackbone(_ model: LlamaModel) throws {
    try requireWritable(backboneURL)
    try AtomicFile.replaceDirectory(at: backboneURL) { staging in try ModelCheckpoint.writeBackbone(model, to: staging) }
  }

  /// Appends records to log.jsonl, one line each.
  public func appendLog<T: Encodable>(_ records: [T]) throws {
    try requireWritable(logURL)
    if logHandle == nil {
      let fd = try OwnedFile.openForWriting(
        logURL.path, flags: O_WRONLY | O_APPEND, role: "the run's log", remedy: "remove it and run again")
      logHandle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
    guard let handle = logHandle else { throw LorascopeError.io("cannot open \(logURL.path) for appending") }
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    var data = Data()
    for r in records {
      data.append(try enc.encode(r))
      data.append(0x0A)
    }
    do { try handle.write(contentsOf: data) } catch {
      throw LorascopeError.io("cannot append to \(logURL.path): \(error.localizedDescription)")
    }
  }

  /// Rewrites log.jsonl (atomically) without the lines of stages ≥ `stage` and torn lines.
  public func truncateLog(keepingStagesBelow stage: Int) throws {
    try requireWritable(logURL)
    guard let data = FileManager.default.contents(atPath: logURL.path) else { return }
    struct StageOnly: Decodable { let stage: Int }
    let dec = JSONDecoder()
    var kept = Data()
    for line in data.split(separator: 0x0A) {
      guard let s = try? dec.decode(StageOnly.self, from: Data(line)), s.stage < stage else { continue }
      kept.append(contentsOf: line)
      kept.append(0x0A)
    }
    try? logHandle?.close()
    logHandle = nil
    try AtomicFile.write(kept, to: logURL)
  }

  /// Every complete line of log.jsonl decoded as `T` (lines of other shapes are skipped).
  public func readLog<T: Decodable>(_ type: T.Type) throws -> [T] {
    // No log yet is an empty log; a log that cannot be read (a FIFO, a device, a size beyond
    // memory) is named, never read as empty.
    var link = stat()
    guard stat(logURL.path, &link) == 0 || errno != ENOENT else { return [] }
    let data: Data
    do {
      data = Data(try RegularFileReader.bytes(atPath: logURL.path, what: "\(logURL.path) (the training log)", remedy: "the log is damaged or not lorascope's"))
    } catch RegularFileReader.Failure.notRegularFile {
      throw LorascopeError.invalidFile(path: logURL.path, reason: "is not a regular file (a FIFO or a device); a run's log is a file")
    } catch RegularFileReader.Failure.cannotOpen(let why) {
      throw LorascopeError.invalidFile(path: logURL.path, reason: "cannot open the file: \(why)")
    }
    let dec = JSONDecoder()
    return data.split(separator: 0x0A).compactMap { try? dec.decode(T.self, from: Data($0)) }
  }

  static func readJSON<T: Decodable>(_ type: T.Type, at url: URL) throws -> T? {
    // Missing is nil; a FIFO, a device or a size beyond memory is named, never read as missing.
    var status = stat()
    guard stat(url.path, &status) == 0 || errno != ENOENT else { return nil }
    let data: Data
    do {
      data = Data(try RegularFileReader.bytes(atPath: url.path, what: url.path, remedy: "the file is damaged or not lorascope's"))
    } catch RegularFileReader.Failure.notRegularFile {
      throw LorascopeError.invalidFile(path: url.path, reason: "is not a regular file (a FIFO or a device); a run's files are regular files")
    } catch RegularFileReader.Failure.cannotOpen(let why) {
      throw LorascopeError.invalidFile(path: url.path, reason: "cannot open the file: \(why)")
    }
    do { return try JSONDecoder().decode(T.self, from: data) } catch {
      throw LorascopeError.invalidFile(path: url.path, reason: "cannot decode: \(error)")
    }
  }
}
