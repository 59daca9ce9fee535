/// The continual-evaluation matrix of one scalar metric: R[t][j] is the metric of the model
/// state after stage t on the test users of block j (Docs/Design.md §5).
///
/// Entries below the diagonal (j < t) show stability, the diagonal (j = t) plasticity.
/// Missing entries are nil (not evaluated yet, or skipped); every summary uses only the
/// entries it needs that are present and is nil when none are.
///
/// Forgetting, backward and forward transfer follow Avalanche
/// (ContinualAI/avalanche, `avalanche/evaluation/metrics/forgetting_bwt.py` and
/// `forward_transfer.py`):
/// - `Forgetting.result_key`: forgetting of experience j = `initial[j] − last[j]`, where
///   `initial` is recorded when the evaluated experience is the one just trained
///   (`train_exp_id == eval_exp_id`), i.e. R[j][j], and `last` is the value at the current
///   evaluation, R[t][j]. The experience just trained has no `last` value, so
///   `StreamForgetting` averages over j < t only.
/// - `BWT`: "BWT = -1 * forgetting" (`forgetting_to_bwt`), per experience and averaged, which is
///   Lopez-Paz & Ranzato's (GEM, 2017) BWT = 1/(T−1) Σ_{j<T−1} (R[T−1][j] − R[j][j]).
/// - `ForwardTransfer.result`: `previous[j] − initial[j]`, the value on experience j after
///   training experience j−1 minus its value at initialization, averaged over j ≥ 1.
/// Unlike Chaudhry et al. (2018), Avalanche's forgetting starts from the value right after
/// training on j, not from the best value seen before t; so does this type.
public struct ContinualMatrix: Codable, Sendable, Equatable {
  /// `values[t][j]`: after stage t, on the test users of block j; nil if not evaluated.
  public var values: [[Double?]]

  /// A matrix of `values` as given (rows = stages, columns = blocks; rows may differ in length).
  public init(values: [[Double?]]) {
    self.values = values
  }

  /// An empty matrix of `stageCount` × `blockCount` missing entries.
  public init(stageCount: Int, blockCount: Int) {
    values = Array(
      repeating: Array(repeating: nil, count: max(0, blockCount)), count: max(0, stageCount))
  }

  /// The matrix of one metric out of a grid of full ranking results (`grid[t][j]`).
  public init(_ grid: [[RankingMetrics?]], metric: RankingMetricName) {
    values = grid.map { row in row.map { $0?.value(metric) } }
  }

  /// Number of stages (rows).
  public var stageCount: Int { values.count }

  /// Number of blocks (the longest row).
  public var blockCount: Int { values.map(\.count).max() ?? 0 }

  /// R[stage][block], or nil if absent or out of range.
  public subscript(stage: Int, block: Int) -> Double? {
    guard stage >= 0 && stage < values.count, block >= 0 && block < values[stage].count else {
      return nil
    }
    return values[stage][block]
  }

  /// Records R[stage][block], growing the matrix with missing entries if needed.
  ///
  /// - Throws: `LorascopeError.invalidConfiguration` for a negative index.
  public mutating func set(_ value: Double?, stage: Int, block: Int) throws {
    guard stage >= 0 && block >= 0 else {
      throw LorascopeError.invalidConfiguration(
        "continual matrix entry (stage \(stage), block \(block)) has a negative index")
    }
    while values.count <= stage { values.append([]) }
    while values[stage].count <= block { values[stage].append(nil) }
    values[stage][block] = value
  }

  /// The last stage with at least one entry: the state the summaries describe by default.
  public var latestStage: Int? {
    values.lastIndex { row in row.contains { $0 != nil } }
  }

  /// R[t][t] for every stage t: each block right after training on it (plasticity).
  public var diagonal: [Double?] {
    values.indices.map { self[$0, $0] }
  }

  /// Mean of the present diagonal entries R[t][t] for t ≥ `firstBlock`.
  ///
  /// With the default `firstBlock = 1` this is the paper's headline: the metric (NDCG@5 there)
  /// averaged over blocks 1..T−1, each right after its own stage (Docs/Design.md §5).
  public func averageDiagonal(fromBlock firstBlock: Int = 1) -> Double? {
    mean(diagonal.enumerated().filter { $0.offset >= firstBlock }.map(\.element))
  }

  /// Mean of the present entries of row `stage` over blocks 0...stage (Lopez-Paz & Ranzato's
  /// ACC when `stage` is the last one); `stage` defaults to `latestStage`.
  public func averageSeen(afterStage stage: Int? = nil) -> Double? {
    guard let stage = stage ?? latestStage, stage >= 0 else { return nil }
    return mean((0...stage).map { self[stage, $0] })
  }

  /// Forgetting of `block` after `stage`: R[block][block] − R[stage][block], for block < stage
  /// (Avalanche `Forgetting.result_key`: initial minus last; positive = the block got worse).
  public func forgetting(block: Int, afterStage stage: Int) -> Double? {
    guard block >= 0 && block < stage, let initial = self[block, block], let last = self[stage, block]
    else { return nil }
    return initial - last
  }

  /// Mean forgetting over the blocks j < `stage` that have both entries
  /// (Avalanche `StreamForgetting`); `stage` defaults to `latestStage`.
  public func forgetting(afterStage stage: Int? = nil) -> Double? {
    guard let stage = stage ?? latestStage, stage > 0 else { return nil }
    return mean((0..<stage).map { forgetting(block: $0, afterStage: stage) })
  }

  /// Backward transfer after `stage`: the negated mean forgetting, mean of R[stage][j] − R[j][j]
  /// over j < stage (Avalanche `StreamBWT`, "BWT = -1 * forgetting"; GEM's BWT at the last stage).
  /// Negative = forgetting; `stage` defaults to `latestStage`.
  public func backwardTransfer(afterStage stage: Int? = nil) -> Double? {
    forgetting(afterStage: stage).map { -$0 }
  }

  /// Forward transfer: mean over blocks j ≥ 1 of R[j−1][j] − baseline[j], where `baseline[j]`
  /// is the metric on block j of the model before any training (Avalanche `ForwardTransfer`:
  /// previous minus initial). Blocks missing either value are skipped.
  public func forwardTransfer(baseline: [Double?]) -> Double? {
    guard baseline.count > 1 else { return nil }
    return mean(
      (1..<baseline.count).map { block -> Double? in
        guard let previous = self[block - 1, block], let initial = baseline[block] else { return nil }
        return previous - initial
      })
  }

  /// Mean of the present values, nil if there are none.
  private func mean(_ entries: [Double?]) -> Double? {
    let present = entries.compactMap { $0 }
    guard !present.isEmpty else { return nil }
    return present.reduce(0, +) / Double(present.count)
  }
}
