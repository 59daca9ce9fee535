/// The model against the best counting baseline on one stage's own block (Docs/Math.md §44), with
/// the paired interval of model − counter over the same test users (Docs/Statistics.md, "Paired
/// differences"): whether the model in front of the user beats counting, in numbers.
public struct CountingBaselineComparison: Codable, Sendable, Equatable {
  public var stage: Int
  public var metric: RankingMetricName
  /// The counter with the highest value of `metric` on the stage's block.
  public var counter: CountingBaseline
  /// The model's and the counter's value, over every seed's users.
  public var model: Double
  public var counterValue: Double
  /// model − counter, paired per seed and user; nil when a run lacks the counters' ranks.
  public var difference: ConfidenceInterval?
  public var seeds: Int

  enum CodingKeys: String, CodingKey {
    case stage, metric, counter, model, counterValue = "counter_value", difference = "model_minus_counter", seeds
  }

  /// Per stage that every run finished with baselines: the runs are one arm's seeds (one run for
  /// `run`), each with its metrics and, when it has them, its ranks.
  public static func perStage(
    runs: [(metrics: RunMetrics, ranks: RunRanks?)], metric: RankingMetricName = .ndcg5
  ) -> [CountingBaselineComparison] {
    guard let first = runs.first else { return [] }
    return first.metrics.stages.indices.compactMap { t in
      let stages = runs.compactMap { $0.metrics.stages.indices.contains(t) ? $0.metrics.stages[t] : nil }
      let counters = stages.compactMap(\.baselines)
      guard stages.count == runs.count, counters.count == runs.count else { return nil }
      let pooled = CountingBaselineValues { b in RankingMetrics.combine(counters.map { $0[b] }) }
      let best = pooled.best(metric)
      var difference: ConfidenceInterval?
      let counterRanks = runs.compactMap { $0.ranks?.baselines.flatMap { t < $0.count ? $0[t][best] : nil } }
      let modelRanks = runs.compactMap { $0.ranks.flatMap { t < $0.stages.count ? $0.stages[t][t] : nil } }
      if counterRanks.count == runs.count, modelRanks.count == runs.count {
        difference = try? ExampleRanks.paired(baseline: counterRanks, treatment: modelRanks, metric: metric).interval()
      }
      return CountingBaselineComparison(
        stage: t, metric: metric, counter: best, model: RankingMetrics.combine(stages.map(\.own)).value(metric),
        counterValue: pooled[best].value(metric), difference: difference, seeds: runs.count)
    }
  }

  /// True when the model's value is below the counter's.
  public var modelIsBelow: Bool { model < counterValue }

  /// "the model is below the co-occurrence counter on block 3: 0.0212 against 0.0354", or nil
  /// when it is not below.
  public var belowSentence: String? {
    guard modelIsBelow else { return nil }
    var s = "the model is below the \(counter.label) counter on block \(stage): "
      + String(format: "%.4f against %.4f", model, counterValue)
    if let difference { s += " (\(metric.label) model − counter \(difference.signedText))" }
    return s
  }
}
