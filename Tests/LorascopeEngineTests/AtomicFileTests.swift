import Foundation
import Testing

@testable import LorascopeEngine

/// Atomic file and directory replacement (Docs/Design.md §6).
@Suite struct AtomicFileTests {
  static func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-atomic-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func entries(_ dir: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
  }

  @Test func writeCreatesAndReplacesWithoutLeftovers() throws {
    let dir = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("metrics.json")
    try AtomicFile.write(Data("first".utf8), to: url)
    #expect(try Data(contentsOf: url) == Data("first".utf8))
    try AtomicFile.write(Data("second, longer".utf8), to: url)
    #expect(try Data(contentsOf: url) == Data("second, longer".utf8))
    try AtomicFile.write(Data(), to: url)
    #expect(try Data(contentsOf: url).isEmpty)
    #expect(try Self.entries(dir) == ["metrics.json"])
  }

  @Test func writeFailureNamesThePath() {
    let url = URL(fileURLWithPath: "/nonexistent-lorascope-dir/sub/file.bin")
    do {
      try AtomicFile.write(Data([1]), to: url)
      Issue.record("wrote into a directory that does not exist")
    } catch LorascopeError.io(let why) {
      #expect(why.contains(url.path))
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  @Test func writeJSONSortsKeysAndPrettyPrints() throws {
    let dir = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("x.json")
    try AtomicFile.writeJSON(["zeta": 1, "alpha": 2], to: url)
    let text = try String(contentsOf: url, encoding: .utf8)
    let alpha = try #require(text.range(of: "\"alpha\""))
    let zeta = try #require(text.range(of: "\"zeta\""))
    #expect(alpha.lowerBound < zeta.lowerBound)
    #expect(text.contains("\n"))
    #expect(text.hasSuffix("}\n"))
  }

  @Test func replaceDirectoryCreatesAndReplacesAsAWhole() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let target = root.appendingPathComponent("nested/stage_1")
    try AtomicFile.replaceDirectory(at: target) { tmp in
      #expect(tmp.lastPathComponent.hasPrefix("stage_1.tmp-"))
      try AtomicFile.write(Data("old".utf8), to: tmp.appendingPathComponent("a.txt"))
      try AtomicFile.write(Data("old".utf8), to: tmp.appendingPathComponent("stale.txt"))
    }
    try AtomicFile.replaceDirectory(at: target) { tmp in
      try AtomicFile.write(Data("new".utf8), to: tmp.appendingPathComponent("a.txt"))
    }
    #expect(try Self.entries(target) == ["a.txt"])
    #expect(try Data(contentsOf: target.appendingPathComponent("a.txt")) == Data("new".utf8))
    #expect(try Self.entries(target.deletingLastPathComponent()) == ["stage_1"])
  }

  struct BuildFailed: Error {}

  @Test func failedBuildLeavesTheOldDirectoryIntact() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let target = root.appendingPathComponent("stage_2")
    try AtomicFile.replaceDirectory(at: target) { tmp in
      try AtomicFile.write(Data("kept".utf8), to: tmp.appendingPathComponent("a.txt"))
    }
    #expect(throws: BuildFailed.self) {
      try AtomicFile.replaceDirectory(at: target) { tmp in
        try AtomicFile.write(Data("half".utf8), to: tmp.appendingPathComponent("a.txt"))
        throw BuildFailed()
      }
    }
    #expect(try Data(contentsOf: target.appendingPathComponent("a.txt")) == Data("kept".utf8))
    #expect(try Self.entries(root) == ["stage_2"])
  }
}
