import Foundation
import Testing

@testable import lorascope

/// `lorascope export-scalars --out`: an existing file is never replaced without --overwrite.
@Suite("export-scalars command")
struct ExportScalarsCommandTests {
  @Test("an existing --out file is refused before the run is read, and kept as it was; --overwrite lets it through")
  func existingOutputIsKept() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-scalars-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let kept = dir.appendingPathComponent("notes.csv")
    try Data("my notes\n".utf8).write(to: kept)
    let missingRun = dir.appendingPathComponent("no-run").path

    let refused = try ExportScalarsCommand.parse(["--run-dir", missingRun, "--format", "csv", "--out", kept.path])
    #expect { try refused.run() } throws: { "\($0)".contains("exists; pass --overwrite") }
    #expect(try String(contentsOf: kept, encoding: .utf8) == "my notes\n")

    let intoDirectory = try ExportScalarsCommand.parse(["--run-dir", missingRun, "--format", "jsonl", "--out", dir.path])
    #expect { try intoDirectory.run() } throws: { "\($0)".contains("is a directory") }

    // With --overwrite the output check passes and the run directory is what fails.
    let allowed = try ExportScalarsCommand.parse(["--run-dir", missingRun, "--format", "csv", "--out", kept.path, "--overwrite"])
    #expect { try allowed.run() } throws: { "\($0)".contains("not a run directory") || "\($0)".contains("no-run") }
  }
}
