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
