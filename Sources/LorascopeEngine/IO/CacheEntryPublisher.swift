import Foundation

/// Puts an entry into the shared cache so that concurrent runs never break it (Docs/Reproduce.md,
/// "Sweeps on a cluster"): the first finished copy wins. Used for pretrained backbones and for
/// finished stages 0 (`StageZeroCache`).
///
/// Jobs of a sweep that share a seed share a cache entry, and on a cluster several may start at
/// once, find no entry, compute the same content (deterministic in the seed, Docs/Math.md §39)
/// and publish it. Each writes a complete directory under its own temporary name, then renames it
/// onto the entry; `rename(2)` onto an existing non-empty directory fails, so the first rename wins
/// and the later ones discard their identical copy. A reader therefore sees no entry or a complete
/// one — never a half-written or replaced one — and the entry is read-only once it exists.
public enum CacheEntryPublisher {
  /// Publishes the directory `write` creates (at the URL it is given) as `entry`, unless a complete
  /// entry is already there.
  /// `marker` is the file whose presence makes an entry complete. Returns true when this call's
  /// copy became the entry.
  @discardableResult
  public static func publish(to entry: URL, marker: String, write: (URL) throws -> Void) throws -> Bool {
    if isComplete(entry, marker: marker) { return false }
    let fileManager = FileManager.default
    let parent = entry.deletingLastPathComponent()
    try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
    // `<name>.tmp-<pid>-<uuid>` (unique per call, so threads of one process do not collide):
    // StaleTemporaryFiles removes it if this process is killed before the rename.
    let staging = parent.appendingPathComponent("\(entry.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString)")
    try? fileManager.removeItem(at: staging)
    do {
      try write(staging)
    } catch {
      try? fileManager.removeItem(at: staging)
      throw error
    }
    if rename(staging.path, entry.path) == 0 { return true }
    let why = String(cString: strerror(errno))
    try? fileManager.removeItem(at: staging)
    guard isComplete(entry, marker: marker) else {
      throw LorascopeError.io("cannot publish the cache entry \(entry.path): \(why)")
    }
    return false
  }

  /// An entry is complete when its marker file exists (it is renamed in whole, never filled in place).
  public static func isComplete(_ entry: URL, marker: String) -> Bool {
    FileManager.default.fileExists(atPath: entry.appendingPathComponent(marker).path)
  }
}

/// The pretrained backbones of the cache: `<cache>/<RunConfig.backboneKey>/model.safetensors`.
public enum BackboneCachePublisher {
  static let marker = "model.safetensors"

  /// Publishes `model` at `entry` unless a complete entry is already there. Returns true when this
  /// call's copy became the entry.
  @discardableResult
  public static func publish(_ model: LlamaModel, to entry: URL) throws -> Bool {
    try CacheEntryPublisher.publish(to: entry, marker: marker) { try ModelCheckpoint.writeBackbone(model, to: $0) }
  }

  /// An entry is complete when its weights file exists.
  public static func isComplete(_ entry: URL) -> Bool { CacheEntryPublisher.isComplete(entry, marker: marker) }
}
