import Foundation
import Testing

@testable import LorascopeEngine

/// Constrained beam search over the item trie (Docs/Design.md §5), against fake scorers and brute force.
struct BeamSearchTests {
  // MARK: - Fake scorers

  /// Log-softmax of pseudo-random logits that depend on the whole context: a conditional model.
  struct ContextHashScorer: NextTokenScorer {
    let vocabSize: Int
    var seed: UInt64 = 1

    func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
      contexts.map { context in
        var hash = seed
        for token in context { hash = (hash ^ UInt64(bitPattern: Int64(token))) &* 0x100_0000_01B3 }
        var random = SeededRNG(seed: hash)
        return logSoftmax((0..<vocabSize).map { _ in Float(random.next() % 10_000) / 1000 - 5 })
      }
    }
  }

  /// Logits that depend only on the context length: a product distribution over levels.
  struct PositionScorer: NextTokenScorer {
    let vocabSize: Int

    func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
      contexts.map { context in
        var random = SeededRNG(seed: UInt64(context.count) &* 7919)
        return logSoftmax((0..<vocabSize).map { _ in Float(random.next() % 10_000) / 1000 - 5 })
      }
    }
  }

  /// Puts almost all mass on tokens no item may take next (PAD, BOS, EOS, other levels, unused codes).
  struct OffTrieScorer: NextTokenScorer {
    let vocabSize: Int
    let trie: ItemTrie

    func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
      try contexts.map { context in
        let base = try ContextHashScorer(vocabSize: vocabSize).nextTokenLogProbs(contexts: [context])[0]
        // BOS + whole history items + the generated part: its length is the rest modulo levels.
        let generated = Array(context.dropFirst().suffix((context.count - 1) % trie.levels))
        let allowed = Set(trie.children(ofPrefix: generated))
        return logSoftmax(base.enumerated().map { allowed.contains(Int32($0.offset)) ? $0.element - 20 : $0.element + 20 })
      }
    }
  }

  /// Every token equally likely: every tuple ties.
  struct UniformScorer: NextTokenScorer {
    let vocabSize: Int
    func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
      contexts.map { _ in [Float](repeating: -Float(log(Double(vocabSize))), count: vocabSize) }
    }
  }

  /// Records every call and forwards it.
  final class RecordingScorer<Inner: NextTokenScorer>: NextTokenScorer {
    let inner: Inner
    var calls: [[[Int32]]] = []
    init(_ inner: Inner) { self.inner = inner }
    var vocabSize: Int { inner.vocabSize }
    func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
      calls.append(contexts)
      return try inner.nextTokenLogProbs(contexts: contexts)
    }
  }

  /// Returns one row too few.
  struct ShortScorer: NextTokenScorer {
    let vocabSize: Int
    func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
      Array(repeating: [Float](repeating: -1, count: vocabSize), count: max(0, contexts.count - 1))
    }
  }

  static func logSoftmax(_ logits: [Float]) -> [Float] {
    let top = logits.max() ?? 0
    let total = logits.reduce(Float(0)) { $0 + exp($1 - top) }
    return logits.map { $0 - top - log(total) }
  }

  // MARK: - Fixtures

  /// 40 items over K = 4, 3 levels: a sparse trie with collisions.
  static func sparseTrie() throws -> (trie: ItemTrie, codes: [[Int]]) {
    var random = SeededRNG(seed: 11)
    let codes = (0..<40).map { _ in (0..<3).map { _ in random.next(below: 4) } }
    return (try ItemTrie(codes: codes, codebookSize: 4), codes)
  }

  /// Histories of 0 to 4 random items, as code tokens.
  static func histories(count: Int, codes: [[Int]], trie: ItemTrie, seed: UInt64) -> [[Int32]] {
    var random = SeededRNG(seed: seed)
    return (0..<count).map { _ in
      (0..<random.next(below: 5)).flatMap { _ in
        trie.tokens(ofTuple: codes[random.next(below: codes.count)])
      }
    }
  }

  /// Every tuple of the trie but the history's own with its exact total log-probability, best
  /// first (ties: lexicographic).
  static func bruteForce(history: [Int32], trie: ItemTrie, scorer: some NextTokenScorer) throws -> [RankedTuple] {
    let prefix = [ItemTrie.bosToken] + history
    let historyTuples = stride(from: 0, to: history.count, by: trie.levels).map {
      Array(history[$0..<($0 + trie.levels)])
    }
    var all: [RankedTuple] = []
    for index in 0..<trie.tupleCount {
      let tuple = trie.tuple(at: index)!
      guard !historyTuples.contains(trie.tokens(ofTuple: tuple)) else { continue }
      var context = prefix
      var score: Float = 0
      for (level, code) in tuple.enumerated() {
        let token = trie.token(level: level, code: code)
        score += try scorer.nextTokenLogProbs(contexts: [context])[0][Int(token)]
        context.append(token)
      }
      all.append(RankedTuple(codes: tuple, logProb: score))
    }
    return all.sorted { a, b in
      a.logProb != b.logProb ? a.logProb > b.logProb : a.codes.lexicographicallyPrecedes(b.codes)
    }
  }

  // MARK: - Tests

  @Test func candidatesAreValidDistinctAndSortedEvenWhenTheModelPrefersInvalidTokens() throws {
    let (trie, codes) = try Self.sparseTrie()
    let scorer = OffTrieScorer(vocabSize: trie.vocabSize + 5, trie: trie)
    let histories = Self.histories(count: 9, codes: codes, trie: trie, seed: 3)
    let search = ConstrainedBeamSearch(trie: trie, beamWidth: 10)
    let results = try search.search(histories: histories, scorer: scorer, batchSize: 4)
    #expect(results.count == histories.count)
    for ranking in results {
      #expect(ranking.count == 10)
      #expect(ranking.allSatisfy { trie.contains(tuple: $0.codes) })
      #expect(Set(ranking.map(\.codes)).count == ranking.count)
      #expect(zip(ranking, ranking.dropFirst()).allSatisfy { $0.logProb >= $1.logProb })
      #expect(ranking.allSatisfy { $0.logProb.isFinite && $0.logProb < 0 })
    }
  }

  @Test func aWideBeamReturnsEveryTupleInExactBruteForceOrder() throws {
    let (trie, codes) = try Self.sparseTrie()
    let scorer = ContextHashScorer(vocabSize: trie.vocabSize)
    let histories = Self.histories(count: 5, codes: codes, trie: trie, seed: 5)
    let search = ConstrainedBeamSearch(trie: trie, beamWidth: 64)
    let results = try search.search(histories: histories, scorer: scorer)
    for (history, ranking) in zip(histories, results) {
      let exact = try Self.bruteForce(history: history, trie: trie, scorer: scorer)
      #expect(ranking.count == exact.count)
      #expect(ranking.map(\.codes) == exact.map(\.codes))
      #expect(zip(ranking, exact).allSatisfy { abs($0.logProb - $1.logProb) <= 1e-5 })
    }
  }

  @Test(arguments: [1, 3, 5])
  func aNarrowBeamFindsTheExactTopOfAProductDistributionOnAFullGrid(beamWidth: Int) throws {
    // All 27 tuples of K = 3, 3 levels are items: beam search is exact for a product model.
    let grid = (0..<27).map { [$0 / 9, ($0 / 3) % 3, $0 % 3] }
    let trie = try ItemTrie(codes: grid, codebookSize: 3)
    let scorer = PositionScorer(vocabSize: trie.vocabSize + 2)
    let histories: [[Int32]] = [[], [4, 7, 11], [3, 6, 9, 5, 8, 10]]
    let results = try ConstrainedBeamSearch(trie: trie, beamWidth: beamWidth)
      .search(histories: histories, scorer: scorer)
    for (history, ranking) in zip(histories, results) {
      let exact = try Self.bruteForce(history: history, trie: trie, scorer: scorer)
      #expect(ranking.first?.codes == exact.first?.codes)
      #expect(ranking.map(\.codes) == exact.prefix(beamWidth).map(\.codes))
    }
  }

  @Test func aNarrowBeamOnASparseTrieIsAPrunedSearchNotAnExactOne() throws {
    // Level 0 prefers code 0, whose only child is unlikely; code 1 leads to the best tuple.
    let trie = try ItemTrie(codes: [[0, 0], [1, 1]], codebookSize: 2)
    struct Table: NextTokenScorer {
      let vocabSize = 7
      func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
        contexts.map { context in
          context.count == 1
            ? [-9, -9, -9, -0.1, -0.2, -9, -9]  // tokens 3, 4: level-0 codes 0, 1
            : [-9, -9, -9, -9, -9, -5, -0.1]  // tokens 5, 6: level-1 codes 0, 1
        }
      }
    }
    let greedy = try ConstrainedBeamSearch(trie: trie, beamWidth: 1).search(histories: [[]], scorer: Table())
    let wide = try ConstrainedBeamSearch(trie: trie, beamWidth: 2).search(histories: [[]], scorer: Table())
    #expect(greedy[0].map(\.codes) == [[0, 0]])
    #expect(wide[0].map(\.codes) == [[1, 1], [0, 0]])
    #expect(abs(wide[0][0].logProb - -0.3) < 1e-6)
  }

  @Test func historyItemsAreNeverRecommended() throws {
    // Item 0 is the only one under first code 0, and the scorer puts nearly all mass on code 0 at
    // every level: a search that only skipped history leaves would spend its single beam on the
    // prefix (0) and return nothing.
    let codes = [[0, 0, 0], [1, 0, 1], [1, 2, 0], [2, 1, 1], [3, 3, 3]]
    let trie = try ItemTrie(codes: codes, codebookSize: 4)
    struct PrefersCodeZero: NextTokenScorer {
      let vocabSize: Int
      let trie: ItemTrie
      func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
        contexts.map { context in
          let level = (context.count - 1) % trie.levels
          return BeamSearchTests.logSoftmax(
            (0..<vocabSize).map { $0 == Int(trie.token(level: level, code: 0)) ? 20 : Float($0 % 5) })
        }
      }
    }
    let scorer = PrefersCodeZero(vocabSize: trie.vocabSize, trie: trie)
    let history = trie.tokens(ofTuple: codes[0]) + trie.tokens(ofTuple: codes[3])
    for width in [1, 2, 10] {
      let ranking = try ConstrainedBeamSearch(trie: trie, beamWidth: width).search(histories: [history], scorer: scorer)[0]
      #expect(ranking.count == min(width, 3), "beam \(width): every non-history tuple can be reached")
      #expect(!ranking.contains { $0.codes == codes[0] || $0.codes == codes[3] })
      if width >= trie.tupleCount {
        // Wide enough to be exact: the brute-force order over the non-history tuples.
        #expect(ranking.map(\.codes) == (try Self.bruteForce(history: history, trie: trie, scorer: scorer)).map(\.codes))
      }
    }
    // Without a history every tuple is a candidate.
    let open = try ConstrainedBeamSearch(trie: trie, beamWidth: 10).search(histories: [[]], scorer: scorer)[0]
    #expect(open.count == 5 && open.first?.codes == codes[0])
  }

  @Test func tiesRankTheLexicographicallySmallerTupleFirst() throws {
    let (trie, _) = try Self.sparseTrie()
    let results = try ConstrainedBeamSearch(trie: trie, beamWidth: 4)
      .search(histories: [[], [3, 7, 11]], scorer: UniformScorer(vocabSize: trie.vocabSize))
    let smallest = (0..<4).map { trie.tuple(at: $0)! }
    for ranking in results { #expect(ranking.map(\.codes) == smallest) }
  }

  @Test func batchesCallTheScorerOncePerLevelWithEveryLiveBeam() throws {
    let (trie, codes) = try Self.sparseTrie()
    let histories = Self.histories(count: 7, codes: codes, trie: trie, seed: 9)
    let scorer = RecordingScorer(ContextHashScorer(vocabSize: trie.vocabSize))
    let search = ConstrainedBeamSearch(trie: trie, beamWidth: 3)
    let batched = try search.search(histories: histories, scorer: scorer, batchSize: 3)

    // 7 examples in batches of 3: 3 mini-batches × 3 levels.
    #expect(scorer.calls.count == 3 * trie.levels)
    for (index, call) in scorer.calls.enumerated() {
      let level = index % trie.levels
      let examplesInBatch = index / trie.levels < 2 ? 3 : 1
      #expect(call.count <= examplesInBatch * 3)
      #expect(call.allSatisfy { $0.first == ItemTrie.bosToken })
      if level == 0 {
        #expect(call.count == examplesInBatch)
        // The first call of a batch is exactly BOS + each history.
        #expect(call.allSatisfy { context in histories.contains { [ItemTrie.bosToken] + $0 == context } })
      }
    }

    // Batching changes nothing, and output order follows the input order.
    let single = try search.search(histories: histories, scorer: ContextHashScorer(vocabSize: trie.vocabSize), batchSize: 1)
    let whole = try search.search(histories: histories, scorer: ContextHashScorer(vocabSize: trie.vocabSize))
    #expect(batched == single)
    #expect(batched == whole)
    for (history, ranking) in zip(histories, batched) {
      let alone = try search.search(histories: [history], scorer: ContextHashScorer(vocabSize: trie.vocabSize))
      #expect(alone[0] == ranking)
    }
  }

  @Test func resultCountTruncatesTheBeam() throws {
    let (trie, _) = try Self.sparseTrie()
    let scorer = ContextHashScorer(vocabSize: trie.vocabSize)
    let search = ConstrainedBeamSearch(trie: trie, beamWidth: 10)
    let full = try search.search(histories: [[3, 7, 11]], scorer: scorer)
    let top5 = try search.search(histories: [[3, 7, 11]], scorer: scorer, resultCount: 5)
    #expect(top5[0] == Array(full[0].prefix(5)))
    #expect(try search.search(histories: [], scorer: scorer).isEmpty)
  }

  @Test func badInputThrowsInsteadOfCrashing() throws {
    let (trie, _) = try Self.sparseTrie()
    let scorer = ContextHashScorer(vocabSize: trie.vocabSize)
    #expect(throws: LorascopeError.self) {
      try ConstrainedBeamSearch(trie: trie, beamWidth: 0).search(histories: [[]], scorer: scorer)
    }
    #expect(throws: LorascopeError.self) {
      try ConstrainedBeamSearch(trie: trie).search(histories: [[]], scorer: scorer, batchSize: 0)
    }
    #expect(throws: LorascopeError.self) {
      try ConstrainedBeamSearch(trie: trie).search(histories: [[3, 999]], scorer: scorer)
    }
    #expect(throws: LorascopeError.self) {
      try ConstrainedBeamSearch(trie: trie).search(
        histories: [[]], scorer: ContextHashScorer(vocabSize: trie.vocabSize - 1))
    }
    #expect(throws: LorascopeError.self) {
      try ConstrainedBeamSearch(trie: trie).search(histories: [[], []], scorer: ShortScorer(vocabSize: trie.vocabSize))
    }
  }
}
