import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope study`: the sweep that settles λ on one dataset (Docs/Statistics.md, "Reading a
/// study"): `single` and `frozen`, PESO and L2 over decades of λ, every arm on the same seeds
/// (five by default), each against `single` with paired intervals, written as Results.md,
/// sweep.json, findings.json and the two figures. Runs live under OUT/runs and a finished run is
/// not repeated, so an interrupted study continues where it stopped; `--plan` and `--collect`
/// run the same study on a scheduler.
struct StudyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "study",
    abstract: "Sweep methods × λ over decades × paired seeds and write Results.md, the figures and the findings.")

  @OptionGroup var grid: SweepArguments

  @Option(help: "Output directory: runs/ (unless --run-dir), Results.md, sweep.json, findings.json, lambda_curve.svg, frontier.svg.")
  var out: String

  /// The study's defaults where the sweep's differ: PESO and L2, seeds 0…4, runs under OUT/runs,
  /// one run per core side by side (a study is many short runs; Docs/Reproduce.md, "Runs side by side").
  var effectiveGrid: SweepArguments {
    var g = grid
    if g.methods == nil { g.methods = "peso,l2" }
    if g.sideBySide == nil { g.sideBySide = Parallel.workers }
    if g.seeds == nil && g.seedCount == nil { g.seedCount = 5 }
    if g.options.runDir == nil { g.options.runDir = URL(fileURLWithPath: out).appendingPathComponent("runs").path }
    return g
  }

  func run() throws {
    let started = Date()
    let g = effectiveGrid
    // OUT is written only after every run: make sure it can be before the first one trains.
    let outURL = URL(fileURLWithPath: out)
    try Self.prepareOutputDirectory(outURL)
    guard let report = try g.execute(progress: ProgressReporter()) else { return }
    let findings = StudyFindings(arms: report.arms, metric: report.metric.label)
    try AtomicFile.write(try report.json(), to: outURL.appendingPathComponent("sweep.json"))
    try AtomicFile.writeJSON(findings, to: outURL.appendingPathComponent("findings.json"))
    // The figures must not cost the finished runs: a failure here is reported, not thrown.
    var figures: [URL] = []
    do { figures = try SweepFigures.writeSVG(report, to: outURL) } catch {
      StandardStreams.writeError("no figures: \(error)\n")
    }
    let markdown = StudyDocument.render(
      report: report, findings: findings, arguments: g, figures: figures.map(\.lastPathComponent),
      wallSeconds: g.collect.isEmpty ? Date().timeIntervalSince(started) : nil)
    try AtomicFile.write(Data(markdown.utf8), to: outURL.appendingPathComponent("Results.md"))
    try printResult(markdown)
  }
}

extension StudyCommand {
  /// Creates OUT (or accepts an existing directory); anything else there — a file, a broken
  /// link — is a usage error now, not after hours of training.
  static func prepareOutputDirectory(_ url: URL) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw LorascopeError.usage("--out \(url.path) exists and is not a directory; choose a directory for the study's results")
      }
      return
    }
    do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
      throw LorascopeError.usage("--out \(url.path): cannot create the directory (\(error.localizedDescription)); choose another --out")
    }
  }
}

func fmt(_ x: Double) -> String { abs(x) < 1e15 && x == x.rounded() ? String(Int(x)) : String(x) }
