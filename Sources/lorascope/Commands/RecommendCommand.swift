import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope recommend`: the top-k items lorascope's own evaluation decoding gives test users
/// (Docs/Design.md §5), so that a script can compare another implementation with it
/// (Scripts/interop/check_recommend.py compares Scripts/recommend.py).
struct RecommendCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recommend",
    abstract: "Print the constrained-beam-search top-k items of a stage for a block's test users.",
    discussion: """
      The prompt of a test user is BOS and the code tokens of the last max-history items before \
      the user's last item of the block (the test target); the decoding is the evaluation's: a \
      beam search of the run's beam width over the trie of item code tuples, ranked by summed \
      log-probability. A recommended code tuple lists every item that has it (index-file order).
      """)

  @Option(name: .customLong("run-dir"), help: "The run directory.")
  var runDir: String

  @Option(help: "The stage whose model state recommends.")
  var stage: Int

  @Option(help: "The block whose test users get recommendations.")
  var block: Int

  @Option(help: "The first N test users of the block, in file order (default 10).")
  var users: Int?

  @Option(name: .customLong("user"), parsing: .upToNextOption, help: "Test users by user id (instead of --users).")
  var userIDs: [String] = []

  @Option(help: "Recommendations per user (at most the run's beam width).")
  var k: Int = 10

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  @Option(help: "The run's PESO dataset directory, if it moved since the run.")
  var data: String?

  @Option(help: "Backbone cache directory, as given to `run`.")
  var cache: String?

  func validate() throws {
    if users != nil && !userIDs.isEmpty { throw ValidationError("pass either --users N or --user ID…, not both") }
    if let users, users < 1 { throw ValidationError("--users must be at least 1, got \(users)") }
    if k < 1 { throw ValidationError("--k must be at least 1, got \(k)") }
  }

  func run() throws {
    let state = try RunState.load(runDir: runDir, data: data, cache: cache)
    let session = state.session
    let dataset = session.dataset
    guard (0..<dataset.numBlocks).contains(block) else {
      throw LorascopeError.usage("block \(block) does not exist: \(dataset.name) has blocks 0..\(dataset.numBlocks - 1)")
    }
    let beamWidth = session.config.beamWidth
    guard k <= beamWidth else {
      throw LorascopeError.usage("--k \(k) is larger than the run's beam width \(beamWidth): the beam search keeps \(beamWidth) tuples")
    }
    let examples = try selectExamples(session: session)
    let model = try session.model(afterStage: stage)
    let items = dataset.items
    let histories = examples.map { Array(TokenSequence.prompt(for: $0, itemIndex: items).dropFirst()) }
    let search = ConstrainedBeamSearch(trie: session.evaluator.trie, beamWidth: beamWidth)
    let rankings = try search.search(
      histories: histories, scorers: IncrementalDecoder.onEveryCore(model: model), batchSize: 64, resultCount: k)

    let users = dataset.blocks[block].users
    let report = RecommendReport(
      stage: stage, block: block, k: k, beamWidth: beamWidth, maxHistory: session.config.maxHistory,
      users: try zip(examples, rankings).map { example, ranking in
        RecommendReport.User(
          user: users[example.userIndex].userID,
          history: example.history.map { items.itemIDs[$0] },
          target: items.itemIDs[example.target],
          targetTuple: try ItemIndexExport.tupleKey(items.codes[example.target]),
          recommendations: try ranking.enumerated().map { rank, tuple in
            RecommendReport.Recommendation(
              rank: rank + 1, tuple: try ItemIndexExport.tupleKey(tuple.codes), codes: tuple.codes,
              logProb: tuple.logProb, items: items.items(withCodes: tuple.codes).map { items.itemIDs[$0] })
          })
      })
    if json {
      try printJSON(report)
    } else {
      try printTable(report)
    }
  }

  /// The test examples asked for: by user id, or the first N in file order.
  private func selectExamples(session: ContinualSession) throws -> [EvaluationExample] {
    let tests = session.splits[block].test
    let users = session.dataset.blocks[block].users
    guard !userIDs.isEmpty else { return Array(tests.prefix(self.users ?? 10)) }
    var exampleByUser: [String: EvaluationExample] = [:]
    for example in tests { exampleByUser[users[example.userIndex].userID] = example }
    return try userIDs.map { id in
      if let example = exampleByUser[id] { return example }
      if users.contains(where: { $0.userID == id }) {
        throw LorascopeError.usage(
          "user \(id) of block \(block) has fewer than \(ContinualDataset.minimumCurrentItems) items in the block, so no test example")
      }
      throw LorascopeError.usage("user \(id) is not in block \(block) of \(session.dataset.name)")
    }
  }

  private func printTable(_ report: RecommendReport) throws {
    var lines = ["stage \(report.stage), block \(report.block): top \(report.k) of a beam of \(report.beamWidth)"]
    for user in report.users {
      lines.append("")
      lines.append("user \(user.user)  (\(user.history.count) history items, test item \(user.target) = \(user.targetTuple))")
      for r in user.recommendations {
        let hit = r.tuple == user.targetTuple ? "  <- hit" : ""
        let score = String(format: "%.4f", r.logProb)
        lines.append("  \(r.rank)\t\(r.tuple)\t\(score)\titems \(r.items.joined(separator: ", "))\(hit)")
      }
    }
    try printResult(lines.joined(separator: "\n"))
  }
}

/// What `lorascope recommend --json` prints.
struct RecommendReport: Encodable {
  struct Recommendation: Encodable {
    var rank: Int
    var tuple: String
    var codes: [Int]
    /// Summed log-probability of the tuple's code tokens (the beam search's score).
    var logProb: Float
    /// Every item with this tuple, in index-file order.
    var items: [String]

    enum CodingKeys: String, CodingKey {
      case rank, tuple, codes, items
      case logProb = "log_prob"
    }
  }

  struct User: Encodable {
    var user: String
    var history: [String]
    var target: String
    var targetTuple: String
    var recommendations: [Recommendation]

    enum CodingKeys: String, CodingKey {
      case user, history, target, recommendations
      case targetTuple = "target_tuple"
    }
  }

  var stage: Int
  var block: Int
  var k: Int
  var beamWidth: Int
  var maxHistory: Int
  var users: [User]

  enum CodingKeys: String, CodingKey {
    case stage, block, k, users
    case beamWidth = "beam_width"
    case maxHistory = "max_history"
  }
}
