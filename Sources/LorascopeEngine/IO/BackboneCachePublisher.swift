import Foundation

/// Puts a pretrained backbone into the shared cache so that concurrent runs never break it
/// (Docs/Reproduce.md, "Sweeps on a cluster"): the first finished copy wins.
///
/// Jobs of a sweep that share a seed share a cache entry, and on a cluster several may start at
/// once, find no entry, pretrain the same backbone (deterministic in the seed, Docs/Math.md §39)
/// and publish it. Each writes a complete directory under its own temporary name, then renames it
/// onto the entry; `rename(2)` onto an existing non-empty directory fails, so the first rename wins
/// and the later ones discard their identical copy. A reader therefore sees no entry or a complete
/// one — never a half-written or replaced one — and the entry is read-only once it exists.
public enum BackboneCachePublisher {
  /// Publishes `model` at `entry` unless a complete entry is already there. Returns true when this
  /// call's copy became the entry.
  @discardableResult
  public static func publish(_ model: LlamaModel, to entry: URL) throws -> Bool {
    if isComplete(entry) { return false }
    let fileManager = FileManager.default
    let parent = entry.deletingLastPathComponent()
    // `<name>.tmp-<pid>-<uuid>` (unique per call, so threads of one process do not collide):
    // StaleTemporaryFiles removes it if this process is killed before the rename.
    let staging = parent.appendingPathComponent("\(entry.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString)")
    try? fileManager.removeItem(at: staging)
    try ModelCheckpoint.writeBackbone(model, to: staging)
    if rename(staging.path, entry.path) == 0 { return true }
    let why = String(cString: strerror(errno))
    try? fileManager.removeItem(at: staging)
    guard isComplete(entry) else {
      throw LorascopeError.io("cannot publish the backbone at \(entry.path): \(why)")
    }
    return false
  }

  /// An entry is complete when its weights file exists (it is renamed in whole, never filled in place).
  public static func isComplete(_ entry: URL) -> Bool {
    FileManager.default.fileExists(atPath: entry.appendingPathComponent("model.safetensors").path)
  }
}
