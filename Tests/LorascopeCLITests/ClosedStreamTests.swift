import Foundation
import Testing

@testable import lorascope

/// A closed standard error (`2>&-`) loses the diagnostics, never the work: `FileHandle.write(_:)`
/// trapped there (rc 132 after `export-scalars` had written its file), and a closed descriptor 2
/// would be taken by the first file opened (StandardStreams).
@Suite("closed standard streams")
struct ClosedStreamTests {
  @Test("with standard error closed a tiny run and export-scalars finish with status 0 and their files written")
  func runWithClosedStandardError() throws {
    let executable = try SweepPlanTests.builtExecutable()
    let root = SweepPlanTests.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    let runDir = root.appendingPathComponent("run")
    let arguments = ["run"] + SweepPlanTests.tinyArguments(cache: root.appendingPathComponent("cache"))
      + ["--run-dir", runDir.path]
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    // exec so that the status is lorascope's own; 2>&- closes descriptor 2 before it starts.
    shell.arguments = ["-c", "exec \"$0\" \"$@\" >/dev/null 2>&-", executable.path] + arguments
    try shell.run()
    shell.waitUntilExit()
    #expect(shell.terminationReason == .exit)
    #expect(shell.terminationStatus == 0)
    #expect(FileManager.default.fileExists(atPath: runDir.appendingPathComponent("metrics.json").path))

    // export-scalars says "N scalars written" on standard error after writing: it trapped there.
    let csv = root.appendingPathComponent("scalars.csv")
    let export = Process()
    export.executableURL = URL(fileURLWithPath: "/bin/sh")
    export.arguments = ["-c", "exec \"$0\" \"$@\" 2>&-", executable.path, "export-scalars", "--run-dir", runDir.path,
                        "--format", "csv", "--out", csv.path]
    try export.run()
    export.waitUntilExit()
    #expect(export.terminationReason == .exit)
    #expect(export.terminationStatus == 0)
    #expect(try String(contentsOf: csv, encoding: .utf8).hasPrefix("tag,step,stage,phase,value"))
  }
}

extension ClosedStreamTests {
  /// Runs `lorascope ARGS > /dev/full`; the status and standard error.
  static func runIntoFullDevice(_ arguments: [String]) throws -> (status: Int32, error: String) {
    let executable = try SweepPlanTests.builtExecutable()
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = ["-c", "exec \"$0\" \"$@\" >/dev/full", executable.path] + arguments
    let errors = Pipe()
    shell.standardError = errors
    try shell.run()
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    shell.waitUntilExit()
    return (shell.terminationStatus, text)
  }

  @Test("results that a full standard output refuses are an error that says so, not status 0 with nothing written")
  func fullStandardOutput() throws {
    guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
    for arguments in [["keys"], ["keys", "--markdown"],
                      ["baselines", "--data", "synthetic", "--eval-users", "20"]] {
      let (status, error) = try Self.runIntoFullDevice(arguments)
      #expect(status != 0, "\(arguments): status \(status)")
      #expect(error.contains("standard output") && error.contains("No space left"), "\(arguments): \(error)")
    }
  }
}
