import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope data check`, `data synth` and `data build` (DataCommand+Build.swift) (Docs/Design.md §4, §8).
struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data", abstract: "Check a dataset, build one from interaction files, or write the synthetic drift data to a directory.",
    subcommands: [Check.self, Synth.self, Build.self])

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Load a PESO dataset directory, check that `run` can train on it, and print per-block statistics, or the first error.")

    @Argument(help: "A PESO dataset directory, 'video-games' (the released dataset in Assets/), or 'synthetic'.")
    var path: String

    @Flag(help: "Print the statistics as JSON.")
    var json = false

    func run() throws {
      let dataset = try DataArgument.resolve(path).directoryPath.map { try PESODatasetLoader.load(directory: $0) }
        ?? SyntheticDrift.generate(SyntheticDriftConfig(seed: SyntheticDriftConfig.defaultSeed))
      try dataset.checkUsableForRun()
      let stats = dataset.statistics()
      if json { try printJSON(stats) } else { try printResult(stats.render()) }
    }
  }

  struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write the built-in synthetic drift dataset in the PESO format.")

    @Option(help: "Output directory.")
    var out: String

    @Option(help: "Generator seed.")
    var seed: UInt64 = SyntheticDriftConfig.defaultSeed

    @Option(help: "Drift strength 0…1 at each block boundary.")
    var drift: Double = 0.6

    @Option(help: "Users per block.")
    var users: Int = 400

    @Option(help: "Number of blocks.")
    var blocks: Int = 5

    @Option(help: "Share of a block's users that return in the next block.")
    var returning: Double = 0.5

    @Flag(help: "Replace an existing directory.")
    var overwrite = false

    mutating func validate() throws {
      guard blocks >= 2, blocks <= 1000 else { throw ValidationError("--blocks must be between 2 and 1000 (a continual run needs 2), not \(blocks)") }
    }

    func run() throws {
      var c = SyntheticDriftConfig(seed: seed)
      c.driftStrength = drift
      c.usersPerBlock = users
      c.numBlocks = blocks
      c.returningShare = returning
      let dataset = try SyntheticDrift.generate(c)
      try PESODatasetWriter.write(dataset, to: out, overwrite: overwrite)
      try printResult("wrote \(dataset.numBlocks) blocks, \(dataset.items.numItems) items to \(out)")
    }
  }
}
