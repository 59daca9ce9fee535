import Testing

@testable import LorascopeEngine

/// Evaluation decodes many users at once (packed prefill, fused and folded weights, beams grouped
/// by prefix); the rankings must be those of scoring each user alone with plain forward passes.
@Suite("Batched decoding across users")
struct BatchedDecodingTests {
  /// Scores with full forward passes of the training model: no cache, no folding, no packing.
  struct FullForwardScorer: NextTokenScorer {
    let model: LlamaModel
    var vocabSize: Int { model.config.vocabSize }
    func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] { try model.nextTokenLogProbs(contexts: contexts) }
  }

  static let codebook = 8
  static let config = ModelConfig(
    vocabSize: 3 + 4 * codebook, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 40, maxPositions: 64)

  static func fixture(users: Int, seed: UInt64) throws -> (LlamaModel, ItemTrie, [[Int32]]) {
    let model = try ModelFixtures.model(config: config, seed: seed, weightScale: 3, lora: LoRAConfig(rank: 4, alpha: 8))
    var rng = SeededRNG(seed: seed &+ 1)
    let codes = (0..<90).map { _ in (0..<4).map { _ in Int(rng.next() % UInt64(codebook)) } }
    let trie = try ItemTrie(codes: codes, codebookSize: codebook)
    let histories = (0..<users).map { _ -> [Int32] in
      let items = 1 + Int(rng.next() % 12)
      return (0..<items).flatMap { _ in trie.tokens(ofTuple: codes[Int(rng.next() % UInt64(codes.count))]) }
    }
    return (model, trie, histories)
  }

  @Test("a batch of users ranks exactly as each user alone with full forward passes", arguments: [UInt64(3), 11])
  func batchedEqualsPerUser(seed: UInt64) throws {
    let (model, trie, histories) = try Self.fixture(users: 37, seed: seed)
    let search = ConstrainedBeamSearch(trie: trie, beamWidth: 6)
    let decoder = IncrementalDecoder(model: model)
    let batched = try search.search(histories: histories, scorer: decoder, batchSize: 16)
    #expect(decoder.fullContexts == histories.count)
    #expect(decoder.cachedContexts > 0)
    var worst: Float = 0
    for (user, history) in histories.enumerated() {
      let alone = try search.search(histories: [history], scorer: FullForwardScorer(model: model), batchSize: 1)[0]
      #expect(batched[user].map(\.codes) == alone.map(\.codes), "user \(user): different tuples or order")
      for (a, b) in zip(batched[user], alone) { worst = max(worst, abs(a.logProb - b.logProb)) }
    }
    // Float rounding only: the folded adapter and the grouped GEMMs sum in another order.
    #expect(worst < 1e-4, "max |Δ log p| = \(worst)")
  }

  @Test("one call mixing fresh contexts and extensions of several prefixes matches full passes")
  func mixedCallMatchesFullForward() throws {
    let (model, _, histories) = try Self.fixture(users: 4, seed: 5)
    let decoder = IncrementalDecoder(model: model)
    let prefixes = histories.map { [ItemTrie.bosToken] + $0 }
    _ = try decoder.nextTokenLogProbs(contexts: prefixes)
    // Extensions of every prefix (3 beams each, in shuffled order) next to two new contexts.
    var contexts: [[Int32]] = []
    for beam in 0..<3 { for p in prefixes.reversed() { contexts.append(p + [Int32(3 + beam)]) } }
    contexts.insert([1, 4, 5], at: 2)
    contexts.append(prefixes[0] + [9, 9])
    let cached = try decoder.nextTokenLogProbs(contexts: contexts)
    let full = try model.nextTokenLogProbs(contexts: contexts)
    for (i, (a, b)) in zip(cached, full).enumerated() {
      let err = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
      #expect(err < 1e-4, "context \(i): max |Δ log p| = \(err)")
    }
    #expect(decoder.cachedContexts == 12)
    #expect(decoder.fullContexts == 4 + 2)
  }

  @Test("the decoder scores the model as it was when the decoder was made")
  func decoderSnapshotsTheModel() throws {
    let (model, _, histories) = try Self.fixture(users: 2, seed: 8)
    let contexts = histories.map { [ItemTrie.bosToken] + $0 }
    let decoder = IncrementalDecoder(model: model)
    let before = try model.nextTokenLogProbs(contexts: contexts)
    for i in 0..<(model.lora?.count ?? 0) { model.lora?[i] *= 2 }
    let scored = try decoder.nextTokenLogProbs(contexts: contexts)
    let err = zip(scored.joined(), before.joined()).map { abs($0 - $1) }.max() ?? .infinity
    #expect(err < 1e-4)
  }

  @Test("bad contexts throw with a message instead of crashing")
  func badContextsThrow() throws {
    let (model, _, _) = try Self.fixture(users: 1, seed: 2)
    let decoder = IncrementalDecoder(model: model)
    #expect(throws: LorascopeError.self) { try decoder.nextTokenLogProbs(contexts: [[]]) }
    #expect(throws: LorascopeError.self) { try decoder.nextTokenLogProbs(contexts: [[1, Int32(Self.config.vocabSize)]]) }
    #expect(throws: LorascopeError.self) {
      try decoder.nextTokenLogProbs(contexts: [[Int32](repeating: 3, count: Self.config.maxPositions + 1)])
    }
  }

  @Test("the evaluation benchmark's histories follow Video_Games' lengths")
  func benchmarkWorkloadFollowsTheData() throws {
    let (trie, histories) = try EvaluationBenchmark.workload(users: 3000, items: 2000)
    #expect(trie.levels == 4)
    let items = histories.map { $0.count / 4 }
    #expect(histories.allSatisfy { $0.count % 4 == 0 })
    #expect(items.min() == 4 && items.max() == 20)
    let total = Double(EvaluationBenchmark.videoGamesHistoryItems.reduce(0) { $0 + $1.users })
    let expectedShort = 7005 / total
    let shortShare = Double(items.filter { $0 == 4 }.count) / Double(items.count)
    #expect(abs(shortShare - expectedShort) < 0.04, "share of 4-item histories \(shortShare) vs \(expectedShort)")
    // FLOPs grow with the beam: one more beam adds the one-token steps of three levels.
    let cfg = ModelConfig.tiny(vocabSize: 1027)
    let narrow = EvaluationBenchmark.flops(config: cfg, histories: histories, levels: 4, beamWidth: 1)
    let wide = EvaluationBenchmark.flops(config: cfg, histories: histories, levels: 4, beamWidth: 10)
    #expect(narrow > 0 && wide > narrow)
  }

  @Test("validation CE over length-sorted batches is the mean of each example's own CE")
  func sortedValidationCrossEntropyIsThePerExampleMean() throws {
    var rng = SeededRNG(seed: 21)
    let codes = (0..<40).map { _ in (0..<4).map { _ in Int(rng.next() % UInt64(Self.codebook)) } }
    let items = try ItemIndex(itemIDs: (0..<40).map { "i\($0)" }, codes: codes)
    let evaluator = try ModelEvaluator(items: items, beamWidth: 4)
    let model = try ModelFixtures.model(config: Self.config, seed: 4, weightScale: 3, lora: LoRAConfig(rank: 4, alpha: 8))
    model.ceTemperature = 0.8
    // Lengths 1…9 items in shuffled order, so sorting regroups them.
    let examples = (0..<23).map { u in
      EvaluationExample(userIndex: u, history: (0..<(1 + (u * 7) % 9)).map { _ in Int(rng.next() % 40) }, target: Int(rng.next() % 40))
    }
    let batched = try evaluator.validationCrossEntropy(model: model, examples: examples, batchSize: 5)
    var sum = 0.0
    for example in examples { sum += try evaluator.validationCrossEntropy(model: model, examples: [example], batchSize: 1) }
    let mean = sum / Double(examples.count)
    #expect(abs(batched - mean) < 1e-5 * max(1, abs(mean)), "batched \(batched) vs per-example mean \(mean)")
  }
}

/// Evaluation shares its mini-batches out over one decoder per core; that must not change a
/// single ranking or score.
@Suite("Beam search with one decoder per core")
struct PerCoreBeamSearchTests {
  @Test("one decoder per core ranks exactly as one decoder, scores bit for bit", arguments: [UInt64(3), 19])
  func perCoreEqualsOneDecoder(seed: UInt64) throws {
    let (model, trie, histories) = try BatchedDecodingTests.fixture(users: 53, seed: seed)
    let search = ConstrainedBeamSearch(trie: trie, beamWidth: 6)
    let one = try search.search(histories: histories, scorer: IncrementalDecoder(model: model), batchSize: 8)
    let decoders = IncrementalDecoder.onEveryCore(model: model)
    #expect(decoders.count == Parallel.workers)
    let shared = try search.search(histories: histories, scorers: decoders, batchSize: 8)
    #expect(shared == one)
    // Which thread takes which mini-batch varies from run to run; together they took every user once.
    #expect(decoders.map(\.fullContexts).reduce(0, +) == histories.count)
  }

  @Test("an error in one mini-batch stops the search and is rethrown")
  func errorsPropagate() throws {
    struct Failing: NextTokenScorer {
      let vocabSize: Int
      func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
        if contexts.contains(where: { $0.count > 20 }) { throw LorascopeError.numerical("planted failure") }
        return contexts.map { _ in [Float](repeating: -3, count: vocabSize) }
      }
    }
    let (_, trie, histories) = try BatchedDecodingTests.fixture(users: 40, seed: 7)
    let scorers = (0..<max(2, Parallel.workers)).map { _ in Failing(vocabSize: trie.vocabSize) }
    #expect(throws: LorascopeError.self) {
      _ = try ConstrainedBeamSearch(trie: trie, beamWidth: 4).search(histories: histories, scorers: scorers, batchSize: 4)
    }
    #expect(throws: LorascopeError.self) {
      _ = try ConstrainedBeamSearch(trie: trie).search(histories: histories, scorers: [Failing]())
    }
  }
}
