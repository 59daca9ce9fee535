import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope sweep`: one run per λ, one row per λ (Docs/Design.md §8). The backbone is pretrained once
/// and shared through the cache.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep", abstract: "Run a list of λ values and tabulate NDCG@5 per block and averaged.")

  @OptionGroup var options: RunOptions

  @Option(help: "λ values: a comma-separated list and/or ranges start:stop:xF, e.g. 0,1e1:1e6:x10.")
  var lambdas: String = "0,0.5,1,2,5,8"

  @Option(help: "The metric of the table.")
  var metric: RankingMetricName = .ndcg5

  @Flag(help: "Print the results as JSON on stdout.")
  var json = false

  struct Row: Encodable {
    let lambda: Double
    let average: Double?
    let perBlock: [Double]
    let report: RunReport
    enum CodingKeys: String, CodingKey { case lambda, average = "average_blocks_1_to_end", perBlock = "per_block", report }
  }

  /// The λ values of `--lambdas` (a list and/or geometric ranges, Docs/Statistics.md "λ over decades").
  static func parseLambdas(_ text: String) throws -> [Double] {
    do {
      return try LambdaGrid.parse(text)
    } catch let error as LorascopeError {
      throw ValidationError(error.description)
    }
  }

  /// Rejects a bad --lambdas when the command line is parsed, before any training.
  mutating func validate() throws { _ = try Self.parseLambdas(lambdas) }

  func run() throws {
    let values = try Self.parseLambdas(lambdas)
    let dataset = try options.loadDataset()
    let progress = ProgressReporter()
    var rows: [Row] = []
    for lambda in values {
      let config = try options.runConfig(for: dataset, lambda: lambda)
      let dir = try options.runDir.map { try RunDirectory(url: URL(fileURLWithPath: $0).appendingPathComponent("lambda_\(lambda)")) }
      progress.line("λ = \(lambda)")
      let session = try ContinualSession(config: config, dataset: dataset, runDirectory: dir, backboneCache: options.cacheURL,
                                           dataSpec: options.dataSpec)
      let m = try session.run(onEvent: progress.handle)
      rows.append(Row(lambda: lambda, average: m.averageOverLaterBlocks(metric),
                      perBlock: m.stages.map { $0.own.value(metric) }, report: RunReport(metrics: m)))
    }
    if json {
      try printJSON(rows)
      return
    }
    let blocks = dataset.numBlocks
    var t = TextTable(["λ", "\(metric.rawValue) avg 1…\(blocks - 1)"] + (0..<blocks).map { "block \($0)" })
    for r in rows { t.add([String(r.lambda), f4(r.average)] + r.perBlock.map { f4($0) }) }
    print("\(options.method.rawValue) on \(dataset.name), seed \(options.seed)\n" + t.render())
  }
}
