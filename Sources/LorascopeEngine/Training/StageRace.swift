import Foundation

/// Stage t forked from its start v_{t−1} into two to four λ values trained in lockstep: the same
/// batches in the same order, the same dropout masks, the same steps — the λ race of
/// Docs/Statistics.md ("The λ race"). Only λ differs between the lanes, so any difference in
/// their curves, displacements or rankings is λ's doing or the evaluation's noise, and the
/// paired bootstrap over test users tells which.
///
/// The screen steps a race one step at a time (`step()`); the CLI runs it to the end (`run()`).
public final class StageRace {
  /// One λ's copy of the stage.
  public final class Lane {
    public let strength: ProximalStrength
    let trainer: PhaseTrainer
    /// One record per step taken so far.
    public private(set) var records: [StepRecord] = []

    init(strength: ProximalStrength, trainer: PhaseTrainer) {
      self.strength = strength
      self.trainer = trainer
    }

    func step() throws -> StepRecord {
      let record = try trainer.step(lambda: strength.lambda)
      guard record.ce.isFinite, record.penalty.isFinite else {
        throw LorascopeError.numerical(
          "race lane λ = \(strength.lambda): the loss became \(record.ce) (CE) + \(record.penalty) (penalty) at step \(record.step)")
      }
      records.append(record)
      return record
    }
  }

  /// The most lanes a race runs (each is a model copy in memory and a share of every step).
  public static let maximumLanes = 4

  public let stage: Int
  public let lanes: [Lane]
  /// The anchor v_{t−1} every lane starts from, and its metric (for the H-norm of a displacement).
  let anchor: FloatBuffer
  let metric: JointProximalMetric
  let session: ContinualSession

  /// Forks stage `t` of `session` (its stage t − 1 must be finished) into one lane per λ.
  /// Only single-adapter methods race (`ContinualMethodDefinition.forksOneAdapter`: `single`'s
  /// penalty is shown at λ = 0 but races like PESO's).
  public init(session: ContinualSession, stage t: Int, lambdas: [Double]) throws {
    guard (2...Self.maximumLanes).contains(lambdas.count) else {
      throw LorascopeError.usage("a race runs 2 to \(Self.maximumLanes) λ values, not \(lambdas.count)")
    }
    try session.requireSingleAdapter(for: "a race")
    self.stage = t
    self.session = session
    // One setup (model at v_{t−1}, the method's penalty with the run's precision): built once,
    // its model copied per lane.
    let setup = try session.stageSetup(t)
    var lanes: [Lane] = []
    for (index, lambda) in lambdas.enumerated() {
      let strength = try setup.penalty.strength(lambda: lambda)
      lanes.append(Lane(strength: strength, trainer: setup.trainer(on: index == 0 ? setup.model : setup.model.copy())))
    }
    self.lanes = lanes
    self.anchor = setup.anchor
    self.metric = try setup.metric.metric(over: setup.penalty.layout.modules).0
  }

  public var totalSteps: Int { lanes[0].trainer.totalSteps }
  public var stepsTaken: Int { lanes[0].records.count }
  public var isFinished: Bool { lanes.allSatisfy { $0.trainer.isFinished } }

  /// One optimizer step of every lane, on the same batch; one record per lane.
  @discardableResult
  public func step() throws -> [StepRecord] {
    guard !isFinished else { throw LorascopeError.usage("the race of stage \(stage) is finished") }
    return try lanes.map { try $0.step() }
  }

  /// Steps to the end, then evaluates every lane on `rankingMetric` (`finish(metric:)`).
  public func run(metric rankingMetric: RankingMetricName = .ndcg5, onStep: ([StepRecord]) -> Void = { _ in }) throws -> RaceResult {
    while !isFinished { onStep(try step()) }
    return try finish(metric: rankingMetric)
  }

  /// The displacement of a lane's adapter from the anchor: ‖Δ‖_H = √(Σ_g Δ_gᵀ H_g Δ_g), with H
  /// the penalty's own metric at v_{t−1} (Docs/Design.md §3), and the plain Frobenius norm.
  public func displacement(of lane: Lane) throws -> (h: Double, frobenius: Double) {
    guard let adapter = lane.trainer.model.lora else { throw LorascopeError.usage("a race lane lost its adapter") }
    let delta = (0..<metric.dimension).map { Double(adapter[$0]) - Double(anchor[$0]) }
    return (try metric.norm(delta), delta.reduce(0) { $0 + $1 * $1 }.squareRoot())
  }

  /// Evaluates every lane on the test users of blocks 0…t (the same users for every lane) and
  /// pairs each lane with the first one, per block, by a bootstrap over test users.
  public func finish(metric rankingMetric: RankingMetricName = .ndcg5) throws -> RaceResult {
    guard isFinished else {
      throw LorascopeError.usage("the race of stage \(stage) has \(totalSteps - stepsTaken) steps to go")
    }
    var results: [RaceResult.Lane] = []
    var ranksPerLane: [[ExampleRanks]] = []
    for lane in lanes {
      let model = lane.trainer.model
      var ranks: [ExampleRanks] = []
      for j in 0...stage {
        ranks.append(try session.evaluator.exampleRanks(model: model, examples: session.evaluationExamples(block: j)))
      }
      let (h, fro) = try displacement(of: lane)
      results.append(
        RaceResult.Lane(
          lambda: lane.strength.lambda, lambdaEffective: lane.strength.effective,
          displacementH: h, displacementFrobenius: fro,
          finalCE: lane.records.last?.ce, finalPenalty: lane.records.last?.penalty,
          validationCE: try session.evaluator.validationCrossEntropy(model: model, examples: session.splits[stage].valid),
          metric: ranks.map { $0.metrics.value(rankingMetric) }, ndcg5: ranks.map { $0.metrics.ndcg5 }))
      ranksPerLane.append(ranks)
    }
    var differences: [RaceResult.Difference] = []
    for l in 1..<lanes.count {
      for j in 0...stage {
        let interval = try ExampleRanks.paired(
          baseline: [ranksPerLane[0][j]], treatment: [ranksPerLane[l][j]], metric: rankingMetric
        ).interval()
        differences.append(
          RaceResult.Difference(
            lambda: lanes[l].strength.lambda, against: lanes[0].strength.lambda, block: j,
            users: ranksPerLane[l][j].ranks.count, interval: interval))
      }
    }
    return RaceResult(stage: stage, metricName: rankingMetric, lanes: results, differences: differences)
  }
}

/// What a race measured: per lane its displacement and scores, per later lane and block the
/// paired difference against the first lane with its 95 % interval.
public struct RaceResult: Codable, Sendable {
  public struct Lane: Codable, Sendable {
    public var lambda: Double
    public var lambdaEffective: Double
    public var displacementH: Double
    public var displacementFrobenius: Double
    public var finalCE: Double?
    public var finalPenalty: Double?
    public var validationCE: Double
    /// The compared ranking metric per block 0…t.
    public var metric: [Double]
    /// NDCG@5 per block 0…t (whatever metric was compared: scripts read it by name).
    public var ndcg5: [Double]

    enum CodingKeys: String, CodingKey {
      case lambda, lambdaEffective = "lambda_eff", displacementH = "displacement_h"
      case displacementFrobenius = "displacement_fro", finalCE = "final_ce", finalPenalty = "final_penalty"
      case validationCE = "validation_ce", metric = "per_block", ndcg5
    }
  }

  public struct Difference: Codable, Sendable {
    public var lambda: Double
    public var against: Double
    public var block: Int
    public var users: Int
    public var interval: ConfidenceInterval

    public var ci95: [Double] { [interval.lower, interval.upper] }

    enum CodingKeys: String, CodingKey { case lambda, against, block, users, mean, ci95, verdict }

    public init(lambda: Double, against: Double, block: Int, users: Int, interval: ConfidenceInterval) {
      self.lambda = lambda
      self.against = against
      self.block = block
      self.users = users
      self.interval = interval
    }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      lambda = try c.decode(Double.self, forKey: .lambda)
      against = try c.decode(Double.self, forKey: .against)
      block = try c.decode(Int.self, forKey: .block)
      users = try c.decode(Int.self, forKey: .users)
      let ci = try c.decode([Double].self, forKey: .ci95)
      guard ci.count == 2 else {
        throw DecodingError.dataCorruptedError(forKey: .ci95, in: c, debugDescription: "ci95 needs [lo, hi]")
      }
      interval = ConfidenceInterval(mean: try c.decode(Double.self, forKey: .mean), lower: ci[0], upper: ci[1], confidence: 0.95)
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(lambda, forKey: .lambda)
      try c.encode(against, forKey: .against)
      try c.encode(block, forKey: .block)
      try c.encode(users, forKey: .users)
      try c.encode(interval.mean, forKey: .mean)
      try c.encode(ci95, forKey: .ci95)
      try c.encode(interval.verdict, forKey: .verdict)
    }
  }

  public var stage: Int
  public var metricName: RankingMetricName
  public var lanes: [Lane]
  public var differences: [Difference]

  enum CodingKeys: String, CodingKey { case stage, metricName = "metric", lanes, differences }
}
