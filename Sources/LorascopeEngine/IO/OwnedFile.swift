import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Opens a file lorascope writes in place inside a directory it owns (a run's `.lock` and
/// log.jsonl): never through a symbolic link (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK),
/// and only when what is there is a regular file. A file planted as a link or a FIFO must not
/// make a run truncate or append to whatever it points at, or hang.
enum OwnedFile {
  /// The open descriptor of `path` (created with mode 0644 when missing); `role` names the file in
  /// the messages ("the lock file", "the run's log"), `remedy` says what to do.
  static func openForWriting(_ path: String, flags: Int32, role: String, remedy: String) throws -> Int32 {
    let fd = open(path, flags | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
    guard fd >= 0 else {
      let reason = errno
      if reason == ELOOP {
        throw LorascopeError.usage(
          "\(role) \(path) is a symbolic link; lorascope never writes through one. Remove \(path) (its target is left untouched) and run again")
      }
      throw LorascopeError.io("cannot open \(role) \(path): \(String(cString: strerror(reason)))")
    }
    var status = stat()
    guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw LorascopeError.usage("\(role) \(path) is not a regular file; \(remedy)")
    }
    return fd
  }
}
