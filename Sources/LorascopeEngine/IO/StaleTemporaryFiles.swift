import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Removes the temporary files and directories a killed writer leaves behind.
///
/// `AtomicFile` writes through `.<name>.tmp-<pid>-<n>` files and `<name>.tmp-<pid>` /
/// `<name>.old-<pid>` directories; a `kill -9` between creating and renaming one leaves it in
/// place for ever. An entry is stale when its process is gone, or — inside a run directory whose
/// writer lock we hold — when any process but this one made it (only the lock holder writes there).
enum StaleTemporaryFiles {
  /// The process id a temporary name carries, or nil for any other name.
  public static func ownerPID(ofTemporaryName name: String) -> Int32? {
    for marker in [".tmp-", ".old-"] {
      guard let range = name.range(of: marker, options: .backwards) else { continue }
      let rest = name[range.upperBound...]
      let digits = rest.prefix { $0.isASCII && $0.isNumber }
      guard !digits.isEmpty, let pid = Int32(digits) else { continue }
      let tail = rest.dropFirst(digits.count)
      // `<pid>` alone, or `<pid>-<anything>` (AtomicFile's random suffix, PESODatasetWriter's UUID).
      guard tail.isEmpty || tail.hasPrefix("-") else { continue }
      return pid
    }
    return nil
  }

  /// Whether a process with this id exists (a process we may not signal still exists).
  public static func isAlive(_ pid: Int32) -> Bool {
    if pid <= 0 { return false }
    if kill(pid, 0) == 0 { return true }
    return errno == EPERM
  }

  /// Removes the leftovers of earlier, killed writes of `target` itself — its siblings
  /// `<name>.tmp-<pid>`, `<name>.old-<pid>` and `.<name>.tmp-<pid>-…` whose process is gone —
  /// and nothing else in the parent (which may be any directory of the user's). Returns their names.
  @discardableResult
  public static func removeLeftovers(of target: URL) -> [String] {
    let parent = target.deletingLastPathComponent()
    let name = target.lastPathComponent
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return [] }
    var removed: [String] = []
    for entry in names.sorted() {
      let ownsName = [name + ".tmp-", name + ".old-", "." + name + ".tmp-"].contains { entry.hasPrefix($0) }
      guard ownsName, let pid = ownerPID(ofTemporaryName: entry), pid != getpid(), !isAlive(pid) else { continue }
      if (try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))) != nil { removed.append(entry) }
    }
    return removed
  }

  /// Removes the stale temporary entries directly inside `directory`; returns their names.
  ///
  /// - Parameter holdingWriterLock: true when the caller holds the directory's writer lock, so
  ///   that every temporary entry not made by this process is stale even if its PID was reused.
  @discardableResult
  public static func remove(in directory: URL, holdingWriterLock: Bool) -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
    let me = getpid()
    var removed: [String] = []
    for name in names.sorted() {
      guard let pid = ownerPID(ofTemporaryName: name), pid != me else { continue }
      guard holdingWriterLock || !isAlive(pid) else { continue }
      if (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil {
        removed.append(name)
      }
    }
    return removed
  }
}
