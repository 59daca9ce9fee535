import Foundation
import Testing

@testable import lorascope
import LorascopeEngine

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

  @Test("--out as a symbolic link is refused and its target kept; tensorboard --out under a file is named; a FIFO log is named, not read as empty")
  func hostileOutputsAndLog() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-scalars-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let victim = dir.appendingPathComponent("victim.txt")
    try Data("keep\n".utf8).write(to: victim)
    let link = dir.appendingPathComponent("out.csv")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: victim)
    let missingRun = dir.appendingPathComponent("no-run").path
    let linked = try ExportScalarsCommand.parse(["--run-dir", missingRun, "--format", "csv", "--out", link.path, "--overwrite"])
    #expect { try linked.run() } throws: { "\($0)".contains("is a symbolic link") }
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == victim.path)
    #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
    let tensorboardOnFile = try ExportScalarsCommand.parse(["--run-dir", missingRun, "--format", "tensorboard", "--out", victim.path])
    #expect { try tensorboardOnFile.run() } throws: { "\($0)".contains("exists and is not a directory") }
    let tensorboardUnderFile = try ExportScalarsCommand.parse(["--run-dir", missingRun, "--format", "tensorboard", "--out", victim.path + "/x"])
    #expect { try tensorboardUnderFile.run() } throws: { "\($0)".contains("victim.txt is not a directory") && !"\($0)".contains("Cocoa") }

    let fifo = dir.appendingPathComponent("fifo")
    #expect(mkfifo(fifo.path, 0o644) == 0)
    let onFIFO = try ExportScalarsCommand.parse(["--run-dir", missingRun, "--format", "csv", "--out", fifo.path, "--overwrite"])
    #expect { try onFIFO.run() } throws: { "\($0)".contains("is not a regular file") }
    var status = stat()
    #expect(lstat(fifo.path, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)

    let run = dir.appendingPathComponent("run")
    try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
    try Data("{}".utf8).write(to: run.appendingPathComponent("config.json"))
    let opened = try RunDirectory.openForInspection(run)
    #expect(try opened.readLog(StepRecord.self).isEmpty)
    #expect(mkfifo(opened.logURL.path, 0o644) == 0)
    #expect { _ = try opened.readLog(StepRecord.self) } throws: { "\($0)".contains("log.jsonl") && "\($0)".contains("not a regular file") }
    try FileManager.default.createSymbolicLink(atPath: run.appendingPathComponent("metrics.json").path, withDestinationPath: "/dev/zero")
    #expect { _ = try opened.readMetrics() } throws: { "\($0)".contains("metrics.json") && "\($0)".contains("not a regular file") }
  }
}
