import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a whole file lorascope was pointed at (a JSON config, a dataset file) with one
/// descriptor: opened without blocking (a FIFO named like a dataset file must not hang the
/// program), refused unless it is a regular file, and checked against memory before its bytes
/// are allocated. The size comes from `fstat`, never from the file's contents.
enum RegularFileReader {
  /// Why a file could not be read; each caller words it for its own error type.
  enum Failure: Error {
    case cannotOpen(String)
    case notRegularFile
  }

  /// The bytes of `path`; `what` and `remedy` word the memory check's message.
  static func bytes(atPath path: String, what: String, remedy: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw Failure.cannotOpen(String(cString: strerror(errno))) }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw Failure.cannotOpen(String(cString: strerror(errno))) }
    guard (status.st_mode & S_IFMT) == S_IFREG else { throw Failure.notRegularFile }
    let size = Int(status.st_size)
    try MemoryBudget.require(bytes: size, for: what, remedy: remedy)
    var bytes = [UInt8](repeating: 0, count: size)
    var filled = 0
    while filled < size {
      let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, size - filled) }
      if got < 0, errno == EINTR { continue }
      guard got >= 0 else { throw Failure.cannotOpen(String(cString: strerror(errno))) }
      if got == 0 { break }  // the file shrank while it was read: take what is there
      filled += got
    }
    return filled == size ? bytes : Array(bytes.prefix(filled))
  }

  /// The bytes of `path`, a failure as `LorascopeError.invalidFile` naming the file and what it
  /// should be (`expected`, e.g. "the item id list").
  static func bytes(atPath path: String, expected: String) throws -> [UInt8] {
    do {
      return try bytes(atPath: path, what: "reading \(path)", remedy: "check that it is \(expected)")
    } catch Failure.cannotOpen(let why) {
      throw LorascopeError.invalidFile(path: path, reason: "cannot read \(expected): \(why)")
    } catch Failure.notRegularFile {
      throw LorascopeError.invalidFile(path: path, reason: "not a regular file; \(expected) must be a file")
    }
  }
}
