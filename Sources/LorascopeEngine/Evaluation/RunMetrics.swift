/// The metrics of one finished stage t (Docs/Design.md §5).
public struct StageMetrics: Codable, Equatable, Sendable {
  public var stage: Int
  /// The stage's own test users (block t).
  public var own: RankingMetrics
  /// R[t][j] for j ≤ t: the state after stage t on block j's test users.
  public var perBlock: [RankingMetrics]
  /// Mean teacher-forced CE over target positions of block t's validation users.
  public var validationCE: Double
  public var trainSteps: Int
  public var trainSeconds: Double
  public var evaluationSeconds: Double
  public var finalCE: Double?
  public var finalPenalty: Double?

  enum CodingKeys: String, CodingKey {
    case stage, own, perBlock = "per_block", validationCE = "validation_ce", trainSteps = "train_steps"
    case trainSeconds = "train_seconds", evaluationSeconds = "evaluation_seconds"
    case finalCE = "final_ce", finalPenalty = "final_penalty"
  }
}

/// metrics.json of a run directory: per-stage results, the R[t][j] matrices and their summaries.
public struct RunMetrics: Codable, Equatable, Sendable {
  public var method: ContinualMethod
  public var lambda: Double
  public var seed: UInt64
  public var blocks: Int
  public var backboneSeconds: Double?
  public var stages: [StageMetrics]

  public init(method: ContinualMethod, lambda: Double, seed: UInt64, blocks: Int) {
    self.method = method
    self.lambda = lambda
    self.seed = seed
    self.blocks = blocks
    stages = []
  }

  /// R[t][j] of one metric over the finished stages (nil where not evaluated).
  public func matrix(_ metric: RankingMetricName) -> ContinualMatrix {
    ContinualMatrix(stages.map { s in (0..<blocks).map { j in j < s.perBlock.count ? s.perBlock[j] : nil } }, metric: metric)
  }

  /// The paper's headline: the metric on each stage's own block, averaged over blocks 1..T−1.
  public func averageOverLaterBlocks(_ metric: RankingMetricName) -> Double? {
    let later = stages.filter { $0.stage >= 1 }
    guard !later.isEmpty else { return nil }
    return later.map { $0.own.value(metric) }.reduce(0, +) / Double(later.count)
  }

  enum CodingKeys: String, CodingKey {
    case method, lambda, seed, blocks, backboneSeconds = "backbone_seconds", stages
  }
}
