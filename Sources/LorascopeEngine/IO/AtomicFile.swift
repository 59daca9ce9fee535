import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Crash-safe writes: a reader sees either the old content or the new one, never a torn file.
///
/// Docs/Design.md §6: "Writes are atomic (temporary file + rename); a killed run resumes from its
/// last stage." The temporary file lives in the target's directory so that `rename(2)` stays on
/// one file system, which is what makes the replacement atomic.
public enum AtomicFile {
  /// Writes `data` to `url` through a temporary sibling file: write, `fsync`, `rename`.
  ///
  /// On any failure the temporary file is removed and `LorascopeError.io` names the target path.
  public static func write(_ data: Data, to url: URL) throws {
    let target = url.path
    let directory = url.deletingLastPathComponent().path
    let temporary =
      url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
      .path
    // O_EXCL already refuses an existing name, symbolic links included; O_NOFOLLOW says so twice.
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else {
      throw LorascopeError.io("cannot write \(target): cannot create a temporary file in \(directory): \(errnoText())")
    }
    var renamed = false
    defer { if !renamed { unlink(temporary) } }
    do {
      try writeAll(data, to: fd, target: target)
      guard fsync(fd) == 0 else { throw LorascopeError.io("cannot write \(target): fsync failed: \(errnoText())") }
    } catch {
      close(fd)
      throw error
    }
    guard close(fd) == 0 else { throw LorascopeError.io("cannot write \(target): close failed: \(errnoText())") }
    guard rename(temporary, target) == 0 else {
      throw LorascopeError.io("cannot write \(target): rename failed: \(errnoText())")
    }
    renamed = true
    syncDirectory(directory)
  }

  /// Encodes `value` as JSON (sorted keys, pretty printed, trailing newline) and writes it atomically.
  public static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    var data: Data
    do {
      data = try encoder.encode(value)
    } catch {
      throw LorascopeError.io("cannot write \(url.path): JSON encoding failed: \(error)")
    }
    data.append(UInt8(ascii: "\n"))
    try write(data, to: url)
  }

  /// Replaces the directory at `url` as a whole: `build` fills a fresh `<dir>.tmp-<pid>` sibling,
  /// which is then renamed into place.
  ///
  /// A directory cannot be renamed over a non-empty one, so an existing target is first moved
  /// aside to `<dir>.old-<pid>`, and removed once the new one is in place. If `build` throws, the
  /// temporary directory is removed and the old directory is left untouched.
  public static func replaceDirectory(at url: URL, build: (_ temporaryDirectory: URL) throws -> Void) throws {
    let fileManager = FileManager.default
    let parent = url.deletingLastPathComponent()
    let name = url.lastPathComponent
    let temporary = parent.appendingPathComponent("\(name).tmp-\(getpid())")
    let aside = parent.appendingPathComponent("\(name).old-\(getpid())")
    StaleTemporaryFiles.removeLeftovers(of: url)
    do {
      try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
      if fileManager.fileExists(atPath: temporary.path) { try fileManager.removeItem(at: temporary) }
      try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
    } catch {
      throw LorascopeError.io(
        "cannot write \(url.path): cannot prepare \(temporary.path): \(error.localizedDescription)")
    }
    do {
      try build(temporary)
    } catch {
      try? fileManager.removeItem(at: temporary)
      throw error
    }
    syncDirectory(temporary.path)

    guard fileManager.fileExists(atPath: url.path) else {
      guard rename(temporary.path, url.path) == 0 else {
        let why = errnoText()
        try? fileManager.removeItem(at: temporary)
        throw LorascopeError.io("cannot write \(url.path): rename failed: \(why)")
      }
      syncDirectory(parent.path)
      return
    }
    if fileManager.fileExists(atPath: aside.path) { try? fileManager.removeItem(at: aside) }
    guard rename(url.path, aside.path) == 0 else {
      let why = errnoText()
      try? fileManager.removeItem(at: temporary)
      throw LorascopeError.io("cannot replace \(url.path): cannot move the old directory aside: \(why)")
    }
    guard rename(temporary.path, url.path) == 0 else {
      let why = errnoText()
      _ = rename(aside.path, url.path)  // put the old directory back; the error below is what matters
      try? fileManager.removeItem(at: temporary)
      throw LorascopeError.io("cannot replace \(url.path): rename failed: \(why)")
    }
    syncDirectory(parent.path)
    do {
      try fileManager.removeItem(at: aside)
    } catch {
      throw LorascopeError.io(
        "\(url.path) was replaced, but the old copy \(aside.path) could not be removed: \(error.localizedDescription)")
    }
  }

  // MARK: - POSIX helpers

  /// Writes every byte of `data`, retrying short writes and `EINTR`.
  private static func writeAll(_ data: Data, to fd: Int32, target: String) throws {
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      guard let base = raw.baseAddress else { return }
      var written = 0
      while written < raw.count {
        let n = posixWrite(fd, base + written, raw.count - written)
        if n < 0 {
          if errno == EINTR { continue }
          throw LorascopeError.io("cannot write \(target): \(errnoText())")
        }
        written += n
      }
    }
  }

  private static func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
      return Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
      return Musl.write(fd, buffer, count)
    #else
      return Darwin.write(fd, buffer, count)
    #endif
  }

  /// Flushes a directory entry so a completed rename survives a power loss (best effort:
  /// some file systems refuse `fsync` on directories, and the rename is already atomic).
  private static func syncDirectory(_ path: String) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
  }

  private static func errnoText() -> String { String(cString: strerror(errno)) }
}
