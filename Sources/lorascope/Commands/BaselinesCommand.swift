import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope baselines`: the counting baselines of every block (Docs/Math.md §44) — what a model
/// must beat on this data before its stability–plasticity results mean much.
struct BaselinesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "baselines",
    abstract: "Score popularity, first-order Markov and co-occurrence counters on every block's test users.",
    discussion: """
      Per block t, the counters are fitted on the train lists of blocks 0…t (what stage t trains on) \
      and rank block t's test users over distinct code tuples, a list as long as the beam's; the \
      metrics are the model's (Docs/Math.md §44). With --eval-users N and --seed S they score the \
      users a run with the same options evaluates (a run's default is 2000).
      """)

  @Option(help: "A PESO dataset directory, 'video-games' for the released dataset in Assets/, or 'synthetic' (the generator's defaults).")
  var data: String = "synthetic"

  @Option(name: .customLong("eval-users"), help: "Test users per block (a number, or 'all'); a number draws a run's seeded subset.")
  var evalUsers: String = "all"

  @Option(help: "The run seed whose evaluation subset --eval-users draws.")
  var seed: UInt64 = 0

  @Option(help: "Length of the ranked list (the beam width of the run to compare with).")
  var beam: Int = RunConfig.defaultBeamWidth

  @Flag(help: "Print the metrics as JSON on stdout.")
  var json = false

  mutating func validate() throws {
    guard beam >= 1, beam <= 10_000 else { throw ValidationError("--beam must be between 1 and 10000, not \(beam)") }
    _ = try evaluationUsers
  }

  /// nil for every user.
  var evaluationUsers: Int? {
    get throws {
      if evalUsers == "all" { return nil }
      guard let n = Int(evalUsers), n > 0 else { throw ValidationError("--eval-users takes a positive number or 'all', not '\(evalUsers)'") }
      return n
    }
  }

  func run() throws {
    let dataset = try DataArgument.resolve(data).directoryPath.map { try PESODatasetLoader.load(directory: $0) }
      ?? SyntheticDrift.generate(SyntheticDriftConfig(seed: SyntheticDriftConfig.defaultSeed))
    let start = Date()
    let perBlock = try CountingBaselineEvaluation.ranksPerBlock(
      dataset: dataset, evaluationUsers: try evaluationUsers, seed: seed, listLength: beam)
    let seconds = Date().timeIntervalSince(start)
    let report = BaselinesReport(
      data: dataset.name, evalUsers: try evaluationUsers, seed: seed, listLength: beam,
      blocks: perBlock.enumerated().map { BaselinesReport.Block(block: $0.offset, metrics: $0.element.metrics) })
    if json {
      try printJSON(report)
    } else {
      try printResult(report.render())
      try printResult(String(format: "fitted and scored in %.2f s", seconds))
    }
  }
}

/// What `baselines` prints: per block, each counter's metrics on the block's test users.
struct BaselinesReport: Encodable {
  struct Block: Encodable {
    var block: Int
    var metrics: CountingBaselineValues<RankingMetrics>

    enum CodingKeys: String, CodingKey { case block, users, popularity, markov, cooccurrence }

    func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(block, forKey: .block)
      try c.encode(metrics.popularity.count, forKey: .users)
      try c.encode(metrics.popularity, forKey: .popularity)
      try c.encode(metrics.markov, forKey: .markov)
      try c.encode(metrics.cooccurrence, forKey: .cooccurrence)
    }
  }

  var data: String
  var evalUsers: Int?
  var seed: UInt64
  var listLength: Int
  var blocks: [Block]

  enum CodingKeys: String, CodingKey {
    case data, evalUsers = "eval_users", seed, listLength = "list_length", blocks, ndcg5Later = "ndcg5_avg_blocks_1_to_end"
  }

  /// Each counter's NDCG@5 averaged over blocks 1…T−1, the run's headline (Docs/Math.md §36).
  var ndcg5Later: CountingBaselineValues<Double>? {
    let later = blocks.dropFirst()
    guard !later.isEmpty else { return nil }
    return CountingBaselineValues { b in later.map { $0.metrics[b].ndcg5 }.reduce(0, +) / Double(later.count) }
  }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(data, forKey: .data)
    try c.encode(evalUsers, forKey: .evalUsers)
    try c.encode(seed, forKey: .seed)
    try c.encode(listLength, forKey: .listLength)
    try c.encode(blocks, forKey: .blocks)
    try c.encode(ndcg5Later, forKey: .ndcg5Later)
  }

  func render() -> String {
    let users = evalUsers.map { "at most \($0) test users per block (seed \(seed)'s subset)" } ?? "every test user"
    var out = "\(data): counting baselines, stage t's counts (train lists of blocks 0…t) on block t, \(users), lists of \(listLength)\n"
    var t = TextTable(["block", "users", "baseline", "Hit@5", "NDCG@5", "Hit@10", "NDCG@10", "MRR"])
    for b in blocks {
      for counter in CountingBaseline.allCases {
        let m = b.metrics[counter]
        t.add(["\(b.block)", "\(m.count)", counter.label, f4(m.hit5), f4(m.ndcg5), f4(m.hit10), f4(m.ndcg10), f4(m.mrr)])
      }
    }
    out += t.render()
    if let later = ndcg5Later {
      out += "\n\nNDCG@5 averaged over blocks 1…\(blocks.count - 1): "
        + CountingBaseline.allCases.map { "\($0.label) \(f4(later[$0]))" }.joined(separator: ", ")
    }
    return out
  }
}
