/// Evaluates a model state on a block's held-out users (Docs/Design.md §5): constrained beam search
/// over the trie of valid code tuples, then Hit@K/NDCG@K/MRR with a hit defined as code-tuple
/// equality; and the teacher-forced cross-entropy of the target item given its history.
public struct ModelEvaluator: Sendable {
  public let items: ItemIndex
  public let trie: ItemTrie
  public let beamWidth: Int

  public init(items: ItemIndex, beamWidth: Int = 10) throws {
    self.items = items
    self.trie = try ItemTrie(codes: items.codes, codebookSize: items.codebookSize)
    self.beamWidth = beamWidth
  }

  /// Ranking metrics of `model` on `examples` (history → target item).
  public func rankingMetrics(model: LlamaModel, examples: [EvaluationExample]) throws -> RankingMetrics {
    try exampleRanks(model: model, examples: examples).metrics
  }

  /// Where each example's target landed (the per-user record the paired statistics resample,
  /// Docs/Statistics.md); its `metrics` equal `rankingMetrics` on the same examples.
  public func exampleRanks(model: LlamaModel, examples: [EvaluationExample]) throws -> ExampleRanks {
    guard !examples.isEmpty else { return ExampleRanks(users: [], ranks: []) }
    let histories = examples.map { Array(TokenSequence.prompt(for: $0, itemIndex: items).dropFirst()) }
    let search = ConstrainedBeamSearch(trie: trie, beamWidth: beamWidth)
    let rankings = try search.search(histories: histories, scorers: IncrementalDecoder.onEveryCore(model: model))
    return ExampleRanks(
      users: examples.map(\.userIndex), rankings: rankings, targets: examples.map { items.codes[$0.target] })
  }

  /// Validation examples as teacher-forced pairs whose targets are the target item's code
  /// tokens only: what `validationCrossEntropy` scores, and what the λ curve differentiates.
  func validationPairs(_ examples: [EvaluationExample]) -> [TrainingPair] {
    examples.map { ex in
      let seq = TrainingSequence(userIndex: ex.userIndex, items: ex.history + [ex.target], firstTarget: ex.history.count)
      return TokenSequence.trainingPair(for: seq, itemIndex: items)
    }
  }

  /// Mean teacher-forced CE over the target item's code tokens (the 4 positions that predict
  /// them), with the model's CE temperature: anyone can recompute it with another implementation.
  public func validationCrossEntropy(model: LlamaModel, examples: [EvaluationExample], batchSize: Int = 64) throws -> Double {
    var sum = 0.0, count = 0
    var start = 0
    // Similar history lengths side by side: a batch pads to its longest row, and unsorted
    // batches of Video_Games' block 0 (12,447 users, mostly 4–6 items, a few of 20) padded
    // nearly every row to 20 items, three times the real tokens.
    let sorted = examples.enumerated().sorted { ($0.element.history.count, $0.offset) < ($1.element.history.count, $1.offset) }
      .map(\.element)
    while start < sorted.count {
      let chunk = sorted[start..<min(start + batchSize, sorted.count)]
      let batch = TokenBatch(rows: validationPairs(Array(chunk)))
      let n = batch.targetRows.count
      sum += try model.loss(batch) * Double(n)
      count += n
      start += batchSize
    }
    return count == 0 ? 0 : sum / Double(count)
  }
}
