import Foundation

/// The evaluation figure of `lorascope bench`: constrained beam search (Docs/Design.md §5) at
/// beam 10 over a Video_Games-sized trie, with history lengths drawn like Video_Games' test users.
public struct EvaluationBenchmarkReport: Codable, Sendable {
  public var users: Int
  public var beamWidth: Int
  public var seconds: Double
  public var usersPerS: Double
  /// The decoding's matmul FLOPs (see `EvaluationBenchmark.flops`) per second.
  public var gflops: Double

  enum CodingKeys: String, CodingKey {
    case users = "eval_users", beamWidth = "eval_beam_width", seconds = "eval_seconds"
    case usersPerS = "eval_users_per_s", gflops = "eval_gflops"
  }
}

public enum EvaluationBenchmark {
  /// Test users per history length (in items) over the five blocks of
  /// Video_Games_cl_0.6_0_5_3_0 (18,313 users; histories are capped at 20 items, Docs/Design.md §4).
  public static let videoGamesHistoryItems: [(items: Int, users: Int)] = [
    (4, 7005), (5, 3648), (6, 2069), (7, 1317), (8, 845), (9, 619), (10, 468), (11, 365), (12, 299),
    (13, 242), (14, 183), (15, 169), (16, 141), (17, 83), (18, 95), (19, 71), (20, 694),
  ]

  /// A history length in items, drawn with the frequencies of `videoGamesHistoryItems` (one draw of `rng`).
  public static func drawHistoryItems(_ rng: inout SeededRNG) -> Int {
    var pick = Int(rng.next() % UInt64(videoGamesHistoryUsers))
    for bucket in videoGamesHistoryItems {
      if pick < bucket.users { return bucket.items }
      pick -= bucket.users
    }
    return videoGamesHistoryItems[videoGamesHistoryItems.count - 1].items  // not reached: pick < the total
  }

  private static let videoGamesHistoryUsers = videoGamesHistoryItems.reduce(0) { $0 + $1.users }

  /// Items in Video_Games' index (each a tuple of 4 codes from codebooks of 256).
  public static let videoGamesItems = 25_935

  /// Deterministic workload: `users` histories whose lengths follow `videoGamesHistoryItems`
  /// and a trie of `items` random 4-level code tuples (codebook 256), like Video_Games'.
  public static func workload(users: Int, items: Int = videoGamesItems, seed: UInt64 = EngineBenchmark.fixtureSeeds.seed(.fixture, 6))
    throws -> (trie: ItemTrie, histories: [[Int32]])
  {
    var rng = SeededRNG(seed: seed)
    let codebook = 256, levels = 4
    let codes = (0..<items).map { _ in (0..<levels).map { _ in Int(rng.next() % UInt64(codebook)) } }
    let trie = try ItemTrie(codes: codes, codebookSize: codebook, source: "benchmark items")
    let histories = (0..<users).map { _ -> [Int32] in
      (0..<drawHistoryItems(&rng)).flatMap { _ in trie.tokens(ofTuple: codes[Int(rng.next() % UInt64(items))]) }
    }
    return (trie, histories)
  }

  /// Matmul FLOPs of decoding: per history the prefix (BOS + history) through every linear and
  /// causal attention, and the lm_head at its last position; then each of the `levels − 1` later
  /// levels runs `beamWidth` one-token steps (linears, attention over the context, lm_head).
  /// It is the nominal work of a plain cached decoder: `PrefillPass` skips the last layer's
  /// attention, o_proj and MLP at all but the last position, so its true FLOPs are a little lower
  /// and the same count serves to compare commits (GFLOP/s ratios equal users/s ratios).
  public static func flops(config c: ModelConfig, histories: [[Int32]], levels: Int, beamWidth: Int) -> Double {
    let C = Double(c.hiddenSize), I = Double(c.intermediateSize), V = Double(c.vocabSize)
    let perToken = 2 * (4 * C * C + 3 * C * I) * Double(c.numLayers)
    var total = 0.0
    for h in histories {
      let n = Double(h.count + 1)
      total += n * perToken + 2 * 2 * n * (n + 1) / 2 * C * Double(c.numLayers) + 2 * C * V
      for level in 1..<levels {
        let context = n + Double(level)
        total += Double(beamWidth) * (perToken + 2 * 2 * context * C * Double(c.numLayers) + 2 * C * V)
      }
    }
    return total
  }

  /// Times one constrained beam search over `users` histories with a LoRA-adapted tiny model
  /// (the state every stage evaluates), median of `iterations` after one warm-up.
  public static func run(
    config: ModelConfig = .tiny(vocabSize: 1027), users: Int = 512, beamWidth: Int = 10, batchSize: Int = ConstrainedBeamSearch.defaultBatchSize,
    iterations: Int = 3
  ) throws -> EvaluationBenchmarkReport {
    let (trie, histories) = try workload(users: users)
    let model = try LlamaModel(config: config, seed: EngineBenchmark.fixtureSeeds.seed(.fixture, 0))
    model.attachLoRA(LoRAConfig(), seed: EngineBenchmark.fixtureSeeds.seed(.fixture, 3))
    guard let adapter = model.lora else { throw LorascopeError.invalidConfiguration("the benchmark adapter did not attach") }
    // B ≠ 0 so the adapter changes the scores, as after training.
    var rng = EngineBenchmark.fixtureSeeds.generator(.fixture, 7)
    for i in 0..<adapter.count { adapter[i] += Float(1e-2 * rng.nextNormal()) }
    let search = ConstrainedBeamSearch(trie: trie, beamWidth: beamWidth)
    let seconds = try EngineBenchmark.median(warmup: 1, iterations: iterations) {
      _ = try search.search(
        histories: histories, scorers: IncrementalDecoder.onEveryCore(model: model), batchSize: batchSize)
    }
    let work = flops(config: config, histories: histories, levels: trie.levels, beamWidth: beamWidth)
    return EvaluationBenchmarkReport(
      users: users, beamWidth: beamWidth, seconds: seconds, usersPerS: Double(users) / seconds,
      gflops: work / seconds / 1e9)
  }
}
