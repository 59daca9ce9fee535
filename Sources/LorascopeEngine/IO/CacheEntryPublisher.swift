import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Puts an entry into the shared cache so that concurrent runs never break it (Docs/Reproduce.md,
/// "Sweeps on a cluster"): the first finished copy wins. Used for pretrained backbones and for
/// finished stages 0 (`StageZeroCache`).
///
/// Jobs of a sweep that share a seed share a cache entry, and on a cluster several may start at
/// once, find no entry, compute the same content (deterministic in the seed, Docs/Math.md §39)
/// and publish it. Each writes a complete directory under its own temporary name, then renames it
/// onto the entry; `rename(2)` onto an existing non-empty directory fails, so the first rename wins
/// and the later ones discard their identical copy. A reader therefore sees no entry or a complete
/// one — never a half-written one — and checks it against its checksums before using it.
enum CacheEntryPublisher {
  /// Publishes the directory `write` creates (at the URL it is given) as `entry`, unless a valid
  /// entry is already there. `marker` is the file the entry must hold (its main content).
  ///
  /// The last file written into the staging directory is `checksums.json` (`CacheEntryChecksums`):
  /// every file's size and FNV-1a hash, so a reader can tell a complete, intact entry from an
  /// interrupted, edited or bit-flipped one. An entry found damaged here is discarded and replaced.
  /// Returns true when this call's copy became the entry.
  @discardableResult
  public static func publish(to entry: URL, marker: String, write: (URL) throws -> Void) throws -> Bool {
    switch check(entry, marker: marker) {
    case .valid, .unverified: return false  // a usable entry is never replaced
    case .absent, .incomplete, .damaged: break
    }
    let fileManager = FileManager.default
    let parent = entry.deletingLastPathComponent()
    do {
      try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
    } catch {
      throw LorascopeError.io("cannot publish the cache entry \(entry.path): cannot create \(parent.path): \(error.localizedDescription)")
    }
    // `<name>.tmp-<pid>-<uuid>` (unique per call, so threads of one process do not collide):
    // StaleTemporaryFiles removes it if this process is killed before the rename.
    let staging = parent.appendingPathComponent("\(entry.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString)")
    try? fileManager.removeItem(at: staging)
    do {
      try write(staging)
      // Last: the checksums cover every file written above.
      try CacheEntryChecksums.record(staging)
    } catch {
      try? fileManager.removeItem(at: staging)
      throw error
    }
    defer { try? fileManager.removeItem(at: staging) }
    if rename(staging.path, entry.path) == 0 { return true }
    var why = String(cString: strerror(errno))
    switch check(entry, marker: marker) {
    case .valid, .unverified:
      return false  // another job published the same content first
    case .incomplete, .damaged:
      // An interrupted or altered copy would block the rename for ever: replace it.
      try discard(entry)
      if rename(staging.path, entry.path) == 0 { return true }
      why = String(cString: strerror(errno))
      if case .valid = check(entry, marker: marker) { return false }
    case .absent:
      break
    }
    throw LorascopeError.io("cannot publish the cache entry \(entry.path): \(why)")
  }

  /// What a cache entry holds on disk.
  public enum State: Equatable, Sendable {
    case absent
    case valid
    /// Present but a file is missing (an interrupted copy).
    case incomplete(String)
    /// Written before entries carried checksums: its main file is there but nothing vouches for
    /// it. The backbone of an older run is such an entry; it is used if it loads, then adopted.
    case unverified(String)
    /// Present but not to be trusted; the reason names what is wrong.
    case damaged(String)

    /// Why the entry cannot be used, or nil when it can (or is absent).
    public var problem: String? {
      switch self {
      case .absent, .valid: return nil
      case .incomplete(let why), .unverified(let why), .damaged(let why): return why
      }
    }
  }

  /// Whether `entry` exists and holds `marker` and exactly the files its checksums.json lists,
  /// each with the recorded size and hash.
  public static func check(_ entry: URL, marker: String) -> State {
    var status = stat()
    guard lstat(entry.path, &status) == 0 else { return errno == ENOENT ? .absent : .damaged(String(cString: strerror(errno))) }
    guard (status.st_mode & S_IFMT) == S_IFDIR else { return .damaged("it is not a directory") }
    return CacheEntryChecksums.verify(entry, marker: marker)
  }

  /// An entry is complete when it checks out (`check`).
  public static func isComplete(_ entry: URL, marker: String) -> Bool { check(entry, marker: marker) == .valid }

  /// Removes `entry`: renamed aside first (`<name>.old-<pid>-<uuid>`, so a reader never sees it
  /// half-removed and StaleTemporaryFiles cleans up if this process dies), then deleted.
  public static func discard(_ entry: URL) throws {
    let aside = entry.deletingLastPathComponent()
      .appendingPathComponent("\(entry.lastPathComponent).old-\(getpid())-\(UUID().uuidString)")
    guard rename(entry.path, aside.path) == 0 else {
      let reason = errno
      if reason == ENOENT { return }  // another process discarded it first
      throw LorascopeError.io(
        "cannot discard the damaged cache entry \(entry.path): \(String(cString: strerror(reason))); remove it by hand")
    }
    try? FileManager.default.removeItem(at: aside)
  }
}

/// `checksums.json` of a cache entry: the size and FNV-1a 64 hash of every file, written at
/// publication and checked before the entry is used, so a cache entry damaged on disk or edited
/// by hand is discarded and rebuilt instead of silently reused (the cache is an optimisation; a
/// wrong entry would change a run's results).
enum CacheEntryChecksums {
  public static let fileName = "checksums.json"
  static let formatVersion = 1
  /// checksums.json is small (a line per file); anything larger is not ours.
  static let maxFileBytes = 1 << 20

  struct Digest: Codable, Equatable {
    var size: Int
    var fnv1a64: String
  }

  struct Manifest: Codable, Equatable {
    var formatVersion: Int
    var files: [String: Digest]
    enum CodingKeys: String, CodingKey { case formatVersion = "format_version", files }
  }

  /// Writes checksums.json for every file under `directory` (at publication, or to adopt an
  /// older entry once it has loaded).
  public static func record(_ directory: URL) throws {
    let manifest = Manifest(formatVersion: formatVersion, files: try digests(of: directory))
    try AtomicFile.writeJSON(manifest, to: directory.appendingPathComponent(fileName))
  }

  /// Compares `entry` with its checksums.json; the reason of a problem names the first file.
  static func verify(_ entry: URL, marker: String) -> CacheEntryPublisher.State {
    let manifestURL = entry.appendingPathComponent(fileName)
    var status = stat()
    guard lstat(manifestURL.path, &status) == 0 else {
      var markerStatus = stat()
      if lstat(entry.appendingPathComponent(marker).path, &markerStatus) == 0, (markerStatus.st_mode & S_IFMT) == S_IFREG {
        return .unverified("it has no \(fileName): written before cache entries carried checksums")
      }
      return .incomplete("it has neither \(marker) nor \(fileName): an interrupted copy")
    }
    guard (status.st_mode & S_IFMT) == S_IFREG, Int(status.st_size) <= maxFileBytes,
      let data = FileManager.default.contents(atPath: manifestURL.path),
      let manifest = try? JSONDecoder().decode(Manifest.self, from: data), manifest.formatVersion == formatVersion
    else { return .damaged("its \(fileName) is not one lorascope wrote") }
    guard manifest.files[marker] != nil else { return .damaged("\(marker) is not among its files") }
    let actual: [String: Digest]
    do { actual = try digests(of: entry, skipping: fileName) } catch {
      return .damaged((error as? LorascopeError)?.description ?? "\(error)")
    }
    for name in manifest.files.keys.sorted() {
      guard let found = actual[name] else { return .incomplete("\(name) is missing") }
      guard found == manifest.files[name] else {
        return .damaged("\(name) differs from the checksum recorded when the entry was published")
      }
    }
    if let extra = actual.keys.sorted().first(where: { manifest.files[$0] == nil }) {
      return .damaged("\(extra) was not part of the published entry")
    }
    return .valid
  }

  /// The digest of every regular file under `directory` by relative path. A symbolic link or any
  /// other kind of file is an error: entries hold only files lorascope wrote.
  static func digests(of directory: URL, skipping skipped: String? = nil) throws -> [String: Digest] {
    var result: [String: Digest] = [:]
    func walk(_ url: URL, prefix: String) throws {
      let names: [String]
      do { names = try FileManager.default.contentsOfDirectory(atPath: url.path) } catch {
        throw LorascopeError.io("cannot list \(url.path): \(error.localizedDescription)")
      }
      for name in names.sorted() {
        let relative = prefix.isEmpty ? name : "\(prefix)/\(name)"
        if relative == skipped { continue }
        let child = url.appendingPathComponent(name)
        var status = stat()
        guard lstat(child.path, &status) == 0 else {
          throw LorascopeError.io("cannot read \(child.path): \(String(cString: strerror(errno)))")
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: try walk(child, prefix: relative)
        case S_IFREG: result[relative] = try digest(of: child)
        default: throw LorascopeError.invalidFile(path: child.path, reason: "not a regular file or directory")
        }
      }
    }
    try walk(directory, prefix: "")
    return result
  }

  /// Size and FNV-1a 64 of one file, read in 1 MiB pieces (never whole).
  static func digest(of url: URL) throws -> Digest {
    let fd = open(url.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    guard fd >= 0 else { throw LorascopeError.io("cannot read \(url.path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var hash = FNV1a64()
    var size = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if got < 0 {
        if errno == EINTR { continue }
        throw LorascopeError.io("cannot read \(url.path): \(String(cString: strerror(errno)))")
      }
      if got == 0 { break }
      buffer.withUnsafeBytes { hash.add(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
      size += got
    }
    return Digest(size: size, fnv1a64: hash.hexDigest)
  }
}

/// The pretrained backbones of the cache: `<cache>/<RunConfig.backboneKey>/model.safetensors`.
enum BackboneCachePublisher {
  static let marker = "model.safetensors"

  /// Publishes `model` at `entry` unless a complete entry is already there. Returns true when this
  /// call's copy became the entry.
  @discardableResult
  public static func publish(_ model: LlamaModel, to entry: URL) throws -> Bool {
    try CacheEntryPublisher.publish(to: entry, marker: marker) { try ModelCheckpoint.writeBackbone(model, to: $0) }
  }

  /// An entry is complete when it checks out against its checksums (`CacheEntryPublisher.check`).
  public static func isComplete(_ entry: URL) -> Bool { CacheEntryPublisher.isComplete(entry, marker: marker) }

  /// What the backbone entry `entry` holds on disk.
  public static func check(_ entry: URL) -> CacheEntryPublisher.State { CacheEntryPublisher.check(entry, marker: marker) }
}
