// Shared by the fuzz targets whose parser reads files, not bytes: one scratch directory per
// fuzzing process (in /dev/shm when there is one, so an iteration costs no disk I/O), rewritten
// for every input.
import Foundation

enum ScratchFiles {
  static let directory: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let path = (base as NSString).appendingPathComponent("lorascope-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    // libFuzzer ends with exit(): remove the directory then, so runs do not pile up in /dev/shm
    // (a crash leaves it behind, beside the saved input).
    atexit { try? FileManager.default.removeItem(atPath: ScratchFiles.directory) }
    return path
  }()

  /// Empties the scratch directory and writes `files` (name → bytes) into it.
  static func write(_ files: [String: [UInt8]]) -> String {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
      try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
    }
    for (name, bytes) in files {
      _ = FileManager.default.createFile(atPath: path(name), contents: Data(bytes))
    }
    return directory
  }

  static func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

  /// The input split at its first `count - 1` NUL bytes into `count` parts (missing ones nil),
  /// so one fuzz input can stand for several files.
  static func parts(_ bytes: [UInt8], count: Int) -> [[UInt8]?] {
    var result = bytes.split(separator: 0, maxSplits: count - 1, omittingEmptySubsequences: false).map { Optional(Array($0)) }
    while result.count < count { result.append(nil) }
    return result
  }
}
