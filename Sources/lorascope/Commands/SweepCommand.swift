import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope sweep`: methods × λ × seeds, every arm against `single` on the same seeds with paired
/// intervals (Docs/Design.md §8, Docs/Statistics.md "Sweeps: every arm against single"). Three
/// ways to run the same list of `lorascope run` jobs: in this process (the default), as a job
/// file for a scheduler (`--plan`), or gathered afterwards from finished run directories
/// (`--collect`); all three print the same table and the same `--json`.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run methods × λ × seeds (or plan them for a scheduler, or collect them) and compare every arm with single.")

  @OptionGroup var grid: SweepArguments

  @Option(help: "Write lambda_curve.svg and frontier.svg into this directory.")
  var svg: String?

  @Flag(help: "Print the results as JSON on stdout.")
  var json = false

  mutating func validate() throws {
    if grid.plan != nil && grid.options.runDir == nil {
      throw ValidationError("--plan needs --run-dir: every job writes its own run directory under it")
    }
  }

  func run() throws {
    guard let report = try grid.execute(progress: ProgressReporter()) else { return }
    try Self.print(report, json: json, svg: svg)
  }

  /// The table and the text plots (or the JSON) on stdout; the SVG figures into `svg`.
  static func print(_ report: SweepReport, json: Bool, svg: String?) throws {
    if let svg {
      for url in try SweepFigures.writeSVG(report, to: URL(fileURLWithPath: svg)) {
        StandardStreams.writeError("wrote \(url.path)\n")
      }
    }
    if json {
      try StandardStreams.writeOutput(try report.json() + Data("\n".utf8), what: "the sweep's JSON")
    } else {
      try printResult(report.table() + "\n\n" + SweepFigures.text(report))
    }
  }
}
