import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The advisory writer lock of a run directory: one process trains in a directory at a time.
///
/// An exclusive `flock(2)` on `<run>/.lock`, taken without waiting. The kernel drops it when the
/// process exits, however it exits, so a killed run never leaves the directory locked. The file
/// holds the owner's PID only to name it in the message a second writer gets. Inspection
/// (`RunDirectory.openForInspection`) never takes the lock, so `spectrum` works during training.
final class RunDirectoryLock {
  static let fileName = ".lock"
  private var descriptor: Int32

  /// Takes the lock of `directory`, or throws `LorascopeError.usage` naming the process holding it.
  init(directory: URL) throws {
    let path = directory.appendingPathComponent(Self.fileName).path
    // The lock file is truncated and rewritten below: never through a link, never a FIFO.
    let fd = try OwnedFile.openForWriting(
      path, flags: O_RDWR, role: "the lock file", remedy: "remove it (or choose another --run-dir) and run again")
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let reason = errno
      var holder = ""
      if let text = try? String(contentsOfFile: path, encoding: .utf8),
        let pid = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
      {
        holder = " (process \(pid))"
      }
      close(fd)
      if reason == EWOULDBLOCK {
        throw LorascopeError.usage(
          "\(directory.path) is in use by another lorascope run\(holder); wait for it to finish or choose another --run-dir")
      }
      throw LorascopeError.io("cannot lock \(path): \(String(cString: strerror(reason)))")
    }
    let pidText = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = pidText.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    descriptor = fd
  }

  /// Releases the lock (also done when the object goes away or the process exits).
  func release() {
    guard descriptor >= 0 else { return }
    _ = flock(descriptor, LOCK_UN)
    close(descriptor)
    descriptor = -1
  }

  deinit { release() }
}
