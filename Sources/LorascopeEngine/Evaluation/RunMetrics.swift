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
  /// The median over the stage's steps of ‖λ_eff ∇P‖/‖∇CE‖ over the adapter (nil without a
  /// penalty): below 1e-3, λ was inert in this stage (Docs/Math.md §42).
  public var penaltyGradientRatio: Double?
  /// The mean over the stage's steps of the penalty λ_eff·Σ_g P_g, in nats.
  public var penaltyNats: Double?
  /// The validation CE of the code-frequency baseline on block t (Docs/Math.md §43); nil in
  /// metrics written before it was recorded.
  public var baselineCE: Double?
  /// The counting baselines on the stage's own test users, fitted on the data of blocks 0…t
  /// (Docs/Math.md §44); nil in metrics written before they were recorded.
  public var baselines: CountingBaselineValues<RankingMetrics>?
  /// The stage-0 cache entry this stage was taken from instead of being trained here (nil: trained
  /// in this run; Docs/Architecture.md, "Stage-0 reuse").
  public var reusedFrom: String?
  /// With embeddings and lm_head trained, stage t ≥ 1's CE change split between the LoRA update
  /// and the embedding/lm_head update (Docs/Math.md §48); nil (absent) otherwise.
  public var changeShare: ChangeShare?

  enum CodingKeys: String, CodingKey {
    case stage, own, perBlock = "per_block", validationCE = "validation_ce", trainSteps = "train_steps"
    case trainSeconds = "train_seconds", evaluationSeconds = "evaluation_seconds"
    case finalCE = "final_ce", finalPenalty = "final_penalty"
    case penaltyGradientRatio = "penalty_gradient_ratio", penaltyNats = "penalty_nats"
    case reusedFrom = "reused_from", baselineCE = "baseline_ce", baselines, changeShare = "change_share"
  }

  /// The backbone learned little: validation CE above `CodeFrequencyBaseline.learnedLittleRatio`
  /// (0.97) of the code-frequency baseline (Docs/Math.md §43).
  public var learnedLittle: Bool {
    guard let baselineCE, baselineCE > 0 else { return false }
    return validationCE > CodeFrequencyBaseline.learnedLittleRatio * baselineCE
  }
}

/// One λ setting of a run: λ holds from optimizer step `step + 1` of stage `stage` on, until
/// the next setting (Docs/Design.md §6).
public struct LambdaSetting: Codable, Equatable, Sendable {
  public var stage: Int
  /// Optimizer steps of the stage taken before λ changed (0: from the stage's start).
  public var step: Int
  public var lambda: Double

  public init(stage: Int, step: Int, lambda: Double) {
    self.stage = stage
    self.step = step
    self.lambda = lambda
  }
}

/// metrics.json of a run directory: per-stage results, the R[t][j] matrices and their
/// summaries, and every λ the run trained with (`lambda_history`, the starting λ first).
public struct RunMetrics: Codable, Equatable, Sendable {
  public var method: ContinualMethod
  public var seed: UInt64
  public var blocks: Int
  public var backboneSeconds: Double?
  /// Block-0 validation CE after each backbone epoch, and the (1-based) epoch kept; only in the
  /// run that pretrained the backbone (Docs/Design.md §2).
  public var backboneValidationCE: [Double]?
  public var backboneBestEpoch: Int?
  public var stages: [StageMetrics]
  /// Every λ setting in order; never empty (the starting λ at stage 0, step 0).
  /// `ContinualSession.setLambda` is the only writer during a run.
  public internal(set) var lambdaHistory: [LambdaSetting]

  public init(method: ContinualMethod, lambda: Double, seed: UInt64, blocks: Int) {
    self.method = method
    self.seed = seed
    self.blocks = blocks
    stages = []
    lambdaHistory = [LambdaSetting(stage: 0, step: 0, lambda: lambda)]
  }

  /// The λ the run started with.
  public var startingLambda: Double { lambdaHistory[0].lambda }

  /// The λ in force now (the last setting).
  public var currentLambda: Double { lambdaHistory[lambdaHistory.count - 1].lambda }

  /// The λ in force when stage t finished training (the last setting made during or before
  /// it): the λ its adapter was anchored with at the end.
  public func lambda(atEndOfStage t: Int) -> Double {
    lambdaHistory.last { $0.stage <= t }?.lambda ?? startingLambda
  }

  /// The settings made before stage `stage` began (what a resumed run keeps); the starting
  /// setting always stays.
  func lambdaHistory(before stage: Int) -> [LambdaSetting] {
    let kept = lambdaHistory.enumerated().filter { $0.offset == 0 || $0.element.stage < stage }.map(\.element)
    return kept
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
    case method, lambda, seed, blocks, backboneSeconds = "backbone_seconds", stages,
    backboneValidationCE = "backbone_validation_ce", backboneBestEpoch = "backbone_best_epoch", lambdaHistory = "lambda_history"
  }

  /// `lambda` is written too (the starting λ, for readers of older files); on reading, a
  /// file without `lambda_history` (written before it existed) gets its `lambda` as the only setting.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    method = try c.decode(ContinualMethod.self, forKey: .method)
    seed = try c.decode(UInt64.self, forKey: .seed)
    blocks = try c.decode(Int.self, forKey: .blocks)
    backboneSeconds = try c.decodeIfPresent(Double.self, forKey: .backboneSeconds)
    backboneValidationCE = try c.decodeIfPresent([Double].self, forKey: .backboneValidationCE)
    backboneBestEpoch = try c.decodeIfPresent(Int.self, forKey: .backboneBestEpoch)
    stages = try c.decode([StageMetrics].self, forKey: .stages)
    if let history = try c.decodeIfPresent([LambdaSetting].self, forKey: .lambdaHistory), !history.isEmpty {
      lambdaHistory = history
    } else {
      lambdaHistory = [LambdaSetting(stage: 0, step: 0, lambda: try c.decode(Double.self, forKey: .lambda))]
    }
    for setting in lambdaHistory {
      guard setting.lambda.isFinite, setting.lambda >= 0, setting.stage >= 0, setting.step >= 0 else {
        throw DecodingError.dataCorruptedError(
          forKey: .lambdaHistory, in: c,
          debugDescription: "λ setting \(setting.lambda) at stage \(setting.stage) step \(setting.step): λ must be finite and ≥ 0")
      }
    }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(method, forKey: .method)
    try c.encode(startingLambda, forKey: .lambda)
    try c.encode(seed, forKey: .seed)
    try c.encode(blocks, forKey: .blocks)
    try c.encodeIfPresent(backboneSeconds, forKey: .backboneSeconds)
    try c.encodeIfPresent(backboneValidationCE, forKey: .backboneValidationCE)
    try c.encodeIfPresent(backboneBestEpoch, forKey: .backboneBestEpoch)
    try c.encode(stages, forKey: .stages)
    try c.encode(lambdaHistory, forKey: .lambdaHistory)
  }
}
