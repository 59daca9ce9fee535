/// The counting baselines of a sweep's seeds (Docs/Math.md §44), summed up like its arms'
/// plasticity: the mean over blocks t ≥ 1 of the counter on block t, stage t's fit on the test
/// users every arm of that seed was scored on. Counters depend on the data, the seed's users and
/// the list length only, so any finished run of a seed gives that seed's numbers.
public struct SweepCounterSummary: Codable, Sendable, Equatable {
  public var baseline: CountingBaseline
  public var seeds: [UInt64]
  /// Over seeds: the mean of the counter's metric on blocks 1…T−1 (the model's plasticity cells).
  public var plasticity: SeedSpread

  /// One summary per counter; empty when some seed has no finished run with the counters recorded
  /// (runs from before they were).
  public static func summarize(_ runs: [SweepRunResult], metric: RankingMetricName = .ndcg5) -> [SweepCounterSummary] {
    let seeds = Set(runs.map(\.seed)).sorted()
    let perSeed = seeds.compactMap { seed in
      runs.first { $0.seed == seed && $0.counterPlasticity(.popularity, metric) != nil }
    }
    guard !perSeed.isEmpty, perSeed.count == seeds.count else { return [] }
    return CountingBaseline.allCases.map { b in
      SweepCounterSummary(baseline: b, seeds: seeds, plasticity: SeedSpread(perSeed.compactMap { $0.counterPlasticity(b, metric) }))
    }
  }
}

/// One arm's plasticity against the best counter's, paired over (seed, test user) on the same
/// cells R[t][t], t ≥ 1 (Docs/Statistics.md; Docs/Math.md §44).
public struct SweepArmAgainstCounter: Codable, Sendable, Equatable {
  public var method: ContinualMethod
  public var lambda: Double
  public var counter: CountingBaseline
  /// Arm − counter; nil when a run lacks the ranks of either.
  public var difference: ConfidenceInterval?

  enum CodingKeys: String, CodingKey { case method, lambda, counter, difference = "plasticity_minus_counter" }

  /// Every arm of `runs` against `counter` (the best of `summarize`'s).
  public static func compare(
    _ runs: [SweepRunResult], counter: CountingBaseline, metric: RankingMetricName = .ndcg5, replicates: Int = 2000
  ) throws -> [SweepArmAgainstCounter] {
    var arms: [(method: ContinualMethod, lambda: Double)] = []
    for r in runs where !arms.contains(where: { $0.method == r.method && $0.lambda == r.lambda }) { arms.append((r.method, r.lambda)) }
    arms.sort { ($0.method.rawValue, $0.lambda) < ($1.method.rawValue, $1.lambda) }
    return try arms.map { arm in
      let list = runs.filter { $0.method == arm.method && $0.lambda == arm.lambda }.sorted { $0.seed < $1.seed }
      var differences: [[Double]]? = []
      for r in list {
        guard let ranks = r.ranks, let counters = ranks.baselines, ranks.stages.count == r.metrics.blocks,
              counters.count == r.metrics.blocks, r.metrics.blocks >= 2
        else { differences = nil; break }
        let cells = (1..<r.metrics.blocks).map { t in (x: ranks.stages[t][t], y: counters[t][counter]) }
        differences?.append(SweepComparison.cellWeightedDifferences(cells, metric: metric))
      }
      let interval = try differences.flatMap { $0.isEmpty ? nil : try PairedBootstrap(differences: $0, replicates: replicates).interval() }
      return SweepArmAgainstCounter(method: arm.method, lambda: arm.lambda, counter: counter, difference: interval)
    }
  }
}

extension SweepRunResult {
  /// Mean over t ≥ 1 of counter `baseline` on block t; nil unless every such stage finished with
  /// the counters recorded.
  public func counterPlasticity(_ baseline: CountingBaseline, _ metric: RankingMetricName) -> Double? {
    let later = metrics.stages.filter { $0.stage >= 1 }
    guard !later.isEmpty, later.count == metrics.blocks - 1 else { return nil }
    let values = later.compactMap { $0.baselines?[baseline].value(metric) }
    guard values.count == later.count else { return nil }
    return values.reduce(0, +) / Double(values.count)
  }
}
