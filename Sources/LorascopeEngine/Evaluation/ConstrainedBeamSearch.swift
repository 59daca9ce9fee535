import Dispatch
import Synchronization

/// One generated candidate: an item's code tuple and the total log-probability of its tokens.
public struct RankedTuple: Codable, Sendable, Equatable {
  /// The code of each level (an item's tuple; several items may share it, Docs/Design.md §2).
  public var codes: [Int]
  /// Sum over levels of the log-probability of each code token given the tokens before it.
  public var logProb: Float

  public init(codes: [Int], logProb: Float) {
    self.codes = codes
    self.logProb = logProb
  }
}

/// Beam search whose every step may only extend a prefix of some item's code tuple (Docs/Design.md §5).
///
/// For a history (the concatenated code tokens of the user's past items) the context is
/// BOS + history (Docs/Design.md §1). At each of the trie's `levels` steps every live beam is expanded
/// by the tokens the trie allows after it (all other tokens are masked out), and the best
/// `beamWidth` expansions by cumulative log-probability survive. The final beams are complete,
/// distinct, valid code tuples ranked by score.
///
/// Ties are broken deterministically: equal scores rank the lexicographically smaller token
/// sequence first (at the first level: the smaller token id). The trie numbers its nodes in
/// that order, so the rule is a comparison of node ids.
public struct ConstrainedBeamSearch: Sendable {
  /// The valid code tuples.
  public let trie: ItemTrie
  /// How many prefixes survive each step (10 by default, Docs/Design.md §5).
  public let beamWidth: Int

  /// Histories per mini-batch when the caller does not say: each level of a mini-batch is one
  /// scorer call, so larger batches give the decoder's GEMMs more rows (Docs/Design.md §5).
  public static let defaultBatchSize = 64

  public init(trie: ItemTrie, beamWidth: Int = 10) {
    self.trie = trie
    self.beamWidth = beamWidth
  }

  /// Ranks code tuples for every history.
  ///
  /// Histories are processed in mini-batches of `batchSize` examples, grouped by history length
  /// so that one batch holds contexts of similar lengths; the scorer is called once per level
  /// per mini-batch with every live beam of every example of the batch.
  ///
  /// - Parameters:
  ///   - histories: per example, the code tokens of its history items (without BOS).
  ///   - scorer: the model's next-token log-probabilities.
  ///   - batchSize: examples per scorer call.
  ///   - resultCount: how many tuples to return per example (at most `beamWidth`, the default).
  /// - Returns: per example, in the order of `histories`, up to `min(resultCount, beamWidth)`
  ///   tuples, best first (fewer only if the trie holds fewer tuples).
  /// - Throws: `LorascopeError.invalidConfiguration` for a bad width, batch size, history token
  ///   or scorer output shape; whatever the scorer throws.
  public func search(
    histories: [[Int32]], scorer: some NextTokenScorer, batchSize: Int = defaultBatchSize,
    resultCount: Int? = nil
  ) throws -> [[RankedTuple]] {
    try search(histories: histories, scorers: [scorer], batchSize: batchSize, resultCount: resultCount)
  }

  /// `search` with one scorer per core: the same mini-batches, shared out over `scorers.count`
  /// threads as each one finishes its last (the batches are independent), every thread running
  /// whole mini-batches with its own scorer and every kernel inside on its own core
  /// (`Parallel.inline`). Fine-grained splits of one mini-batch's small GEMMs and loops mostly
  /// wait on each other; whole mini-batches side by side do not. The rankings equal `search`'s
  /// with one scorer: each mini-batch is computed the same way whichever thread takes it.
  ///
  /// - Parameter scorers: one scorer per thread (e.g. `IncrementalDecoder.onEveryCore(model:)`);
  ///   each is used by one thread at a time.
  public func search<Scorer: NextTokenScorer>(
    histories: [[Int32]], scorers: [Scorer], batchSize: Int = defaultBatchSize,
    resultCount: Int? = nil
  ) throws -> [[RankedTuple]] {
    guard let scorer = scorers.first else {
      throw LorascopeError.invalidConfiguration("beam search needs at least one scorer")
    }
    guard beamWidth >= 1 else {
      throw LorascopeError.invalidConfiguration("beam width must be at least 1, got \(beamWidth)")
    }
    guard batchSize >= 1 else {
      throw LorascopeError.invalidConfiguration("beam search batch size must be at least 1, got \(batchSize)")
    }
    let keep = min(beamWidth, resultCount ?? beamWidth)
    guard keep >= 1 else {
      throw LorascopeError.invalidConfiguration("result count must be at least 1, got \(keep)")
    }
    guard scorer.vocabSize >= trie.vocabSize else {
      throw LorascopeError.invalidConfiguration(
        "scorer vocabulary \(scorer.vocabSize) is smaller than the item tokens need (\(trie.vocabSize))")
    }
    for (example, history) in histories.enumerated() {
      if let bad = history.first(where: { $0 < 0 || Int($0) >= scorer.vocabSize }) {
        throw LorascopeError.invalidConfiguration(
          "history \(example): token \(bad) is outside the vocabulary 0..<\(scorer.vocabSize)")
      }
    }

    // Similar lengths side by side: a padding model wastes less on each batch.
    let order = histories.indices.sorted {
      (histories[$0].count, $0) < (histories[$1].count, $1)
    }
    let batches = stride(from: 0, to: order.count, by: batchSize).map { order[$0..<min($0 + batchSize, order.count)] }
    var ranked = [[[RankedTuple]]](repeating: [], count: batches.count)
    if scorers.count == 1 || batches.count == 1 {
      for (b, batch) in batches.enumerated() {
        ranked[b] = try searchBatch(batch.map { histories[$0] }, scorer: scorer, keep: keep)
      }
    } else {
      try ranked.withUnsafeMutableBufferPointer { slots in
        // Each batch index is taken by exactly one thread, which alone writes its slot.
        nonisolated(unsafe) let slots = slots
        nonisolated(unsafe) let scorers = scorers
        let next = Atomic<Int>(0)
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: min(scorers.count, batches.count)) { worker in
          Parallel.inline {
            while failure.withLock({ $0 == nil }) {
              // Longest histories first (the batches are sorted by length): the costliest
              // batches start early and the short ones fill in at the end.
              let taken = next.add(1, ordering: .relaxed).oldValue
              guard taken < batches.count else { return }
              let b = batches.count - 1 - taken
              do {
                slots[b] = try searchBatch(batches[b].map { histories[$0] }, scorer: scorers[worker], keep: keep)
              } catch {
                failure.withLock { if $0 == nil { $0 = error } }
              }
            }
          }
        }
        if let error = failure.withLock({ $0 }) { throw error }
      }
    }
    var results = [[RankedTuple]](repeating: [], count: histories.count)
    for (batch, tuples) in zip(batches, ranked) {
      for (example, ranking) in zip(batch, tuples) { results[example] = ranking }
    }
    return results
  }

  /// One expansion of a live beam: its score, the trie node it reaches and the beam it extends.
  private struct Candidate {
    var score: Float
    var node: Int32
    var beam: Int32

    /// Higher score first; equal scores: the lexicographically smaller prefix (smaller node id).
    func ranksBefore(_ other: Candidate) -> Bool {
      score > other.score || (score == other.score && node < other.node)
    }
  }

  /// The beam search for one mini-batch: one scorer call per level.
  private func searchBatch(
    _ histories: [[Int32]], scorer: some NextTokenScorer, keep: Int
  ) throws -> [[RankedTuple]] {
    // Live beams of all examples, flat; example e owns beams exampleStart[e]..<exampleStart[e+1].
    var contexts = histories.map { [ItemTrie.bosToken] + $0 }
    var nodes = [Int32](repeating: Int32(trie.rootNode), count: histories.count)
    var scores = [Float](repeating: 0, count: histories.count)
    var exampleStart = Array(0...histories.count)
    // The history's own items are never recommended (Docs/Design.md §5), as the counters skip them.
    let excluded = histories.map { trie.excludedNodes(history: $0) }
    var top: [Candidate] = []
    top.reserveCapacity(beamWidth + 1)

    for level in 0..<trie.levels {
      let logProbs = try scorer.nextTokenLogProbs(contexts: contexts)
      try checkShape(logProbs, contexts: contexts.count, vocabSize: scorer.vocabSize)
      let isLast = level == trie.levels - 1

      var nextContexts: [[Int32]] = []
      var nextNodes: [Int32] = []
      var nextScores: [Float] = []
      nextNodes.reserveCapacity(histories.count * beamWidth)
      nextScores.reserveCapacity(histories.count * beamWidth)
      if !isLast { nextContexts.reserveCapacity(histories.count * beamWidth) }
      var nextStart = [0]
      nextStart.reserveCapacity(histories.count + 1)

      for example in histories.indices {
        top.removeAll(keepingCapacity: true)
        for beam in exampleStart[example]..<exampleStart[example + 1] {
          let row = logProbs[beam]
          for child in trie.childRange(of: Int(nodes[beam])) where !excluded[example].containsSorted(Int32(child)) {
            var score = scores[beam] + row[Int(trie.tokenOfNode(child))]
            if score.isNaN { score = -.infinity }
            insert(Candidate(score: score, node: Int32(child), beam: Int32(beam)), into: &top)
          }
        }
        for candidate in top {
          nextNodes.append(candidate.node)
          nextScores.append(candidate.score)
          if !isLast {
            var context = contexts[Int(candidate.beam)]
            context.append(trie.tokenOfNode(Int(candidate.node)))
            nextContexts.append(context)
          }
        }
        nextStart.append(nextNodes.count)
      }
      contexts = nextContexts
      nodes = nextNodes
      scores = nextScores
      exampleStart = nextStart
    }

    // The survivors are leaves, already best first.
    return histories.indices.map { example in
      let beams = exampleStart[example]..<min(exampleStart[example + 1], exampleStart[example] + keep)
      return beams.map { RankedTuple(codes: trie.codes(ofNode: Int(nodes[$0])), logProb: scores[$0]) }
    }
  }

  /// Inserts `candidate` into the best-first list `top`, keeping at most `beamWidth` entries.
  private func insert(_ candidate: Candidate, into top: inout [Candidate]) {
    if top.count == beamWidth, let worst = top.last, !candidate.ranksBefore(worst) { return }
    var position = top.count
    while position > 0 && candidate.ranksBefore(top[position - 1]) { position -= 1 }
    top.insert(candidate, at: position)
    if top.count > beamWidth { top.removeLast() }
  }

  /// Rejects a scorer answer that does not have one full row per context.
  private func checkShape(_ logProbs: [[Float]], contexts: Int, vocabSize: Int) throws {
    guard logProbs.count == contexts else {
      throw LorascopeError.invalidConfiguration(
        "scorer returned \(logProbs.count) rows for \(contexts) contexts")
    }
    if let bad = logProbs.firstIndex(where: { $0.count != vocabSize }) {
      throw LorascopeError.invalidConfiguration(
        "scorer row \(bad) has \(logProbs[bad].count) log-probabilities, expected \(vocabSize)")
    }
  }
}

extension [Int32] {
  /// Binary search in an ascending array.
  fileprivate func containsSorted(_ value: Int32) -> Bool {
    var low = 0, high = count
    while low < high {
      let middle = (low + high) / 2
      if self[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low < count && self[low] == value
  }
}
