import Foundation

/// One finished run of a sweep, as the comparison needs it: which arm and seed, its R[t][j]
/// metrics and its per-user ranks (Docs/Statistics.md, "Sweeps: every arm against single").
public struct SweepRunResult: Sendable {
  public var method: ContinualMethod
  /// λ of the run; 0 for methods without a penalty (their λ means nothing).
  public var lambda: Double
  public var seed: UInt64
  public var metrics: RunMetrics
  public var ranks: RunRanks?

  public init(method: ContinualMethod, lambda: Double, seed: UInt64, metrics: RunMetrics, ranks: RunRanks?) {
    self.method = method
    self.lambda = method.usesLambda ? lambda : 0
    self.seed = seed
    self.metrics = metrics
    self.ranks = ranks
  }

  /// plasticity = mean over t ≥ 1 of R[t][t] (each stage on its own block, the paper's headline).
  public func plasticity(_ metric: RankingMetricName) -> Double? {
    let own = metrics.stages.filter { $0.stage >= 1 }.map { $0.own.value(metric) }
    return own.isEmpty ? nil : own.reduce(0, +) / Double(own.count)
  }

  /// stability = mean over j of R[T][j]: the final state on every block, the old ones included.
  public func stability(_ metric: RankingMetricName) -> Double? {
    guard metrics.stages.count == metrics.blocks, let last = metrics.stages.last, !last.perBlock.isEmpty else { return nil }
    return last.perBlock.map { $0.value(metric) }.reduce(0, +) / Double(last.perBlock.count)
  }

  /// The (stage, block) cells each summary averages, one weight per cell (equal weights).
  static func cells(_ summary: SweepSummary, blocks: Int) -> [(stage: Int, block: Int)] {
    switch summary {
    case .plasticity: return (1..<blocks).map { ($0, $0) }
    case .stability: return (0..<blocks).map { (blocks - 1, $0) }
    }
  }
}

/// The two numbers of the stability–plasticity frontier (Docs/Statistics.md).
public enum SweepSummary: String, CaseIterable, Codable, Sendable { case plasticity, stability }

/// Mean and sample standard deviation of one number over seeds (the seed spread every table shows).
public struct SeedSpread: Codable, Sendable, Equatable {
  public var mean: Double
  /// Sample standard deviation over seeds; nil with one seed.
  public var standardDeviation: Double?
  public var perSeed: [Double]

  public init(_ values: [Double]) {
    perSeed = values
    mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    if values.count > 1 {
      let m = mean
      standardDeviation = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    } else {
      standardDeviation = nil
    }
  }

  enum CodingKeys: String, CodingKey { case mean, standardDeviation = "sd_over_seeds", perSeed = "per_seed" }
}

/// One arm (method, λ) of a sweep against `single` on the same seeds.
public struct SweepArmComparison: Codable, Sendable, Equatable {
  public var method: ContinualMethod
  public var lambda: Double
  public var seeds: [UInt64]
  public var plasticity: SeedSpread
  public var stability: SeedSpread
  /// The arm minus `single`, paired over (seed, test user); nil for `single` itself or without ranks.
  public var plasticityDifference: ConfidenceInterval?
  public var stabilityDifference: ConfidenceInterval?
  /// Per-seed differences of the arm's and single's numbers (the seed spread of the difference).
  public var plasticityDifferenceSpread: SeedSpread?
  public var stabilityDifferenceSpread: SeedSpread?

  /// "better" / "worse" / "no effect measured" against single (the interval must exclude 0).
  public var plasticityVerdict: String? { plasticityDifference?.verdict }
  public var stabilityVerdict: String? { stabilityDifference?.verdict }

  enum CodingKeys: String, CodingKey {
    case method, lambda, seeds, plasticity, stability
    case plasticityDifference = "plasticity_minus_single", stabilityDifference = "stability_minus_single"
    case plasticityDifferenceSpread = "plasticity_minus_single_seed_spread"
    case stabilityDifferenceSpread = "stability_minus_single_seed_spread"
    case plasticityVerdict = "plasticity_verdict", stabilityVerdict = "stability_verdict"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    method = try c.decode(ContinualMethod.self, forKey: .method)
    lambda = try c.decode(Double.self, forKey: .lambda)
    seeds = try c.decode([UInt64].self, forKey: .seeds)
    plasticity = try c.decode(SeedSpread.self, forKey: .plasticity)
    stability = try c.decode(SeedSpread.self, forKey: .stability)
    plasticityDifference = try c.decodeIfPresent(ConfidenceInterval.self, forKey: .plasticityDifference)
    stabilityDifference = try c.decodeIfPresent(ConfidenceInterval.self, forKey: .stabilityDifference)
    plasticityDifferenceSpread = try c.decodeIfPresent(SeedSpread.self, forKey: .plasticityDifferenceSpread)
    stabilityDifferenceSpread = try c.decodeIfPresent(SeedSpread.self, forKey: .stabilityDifferenceSpread)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(method, forKey: .method)
    try c.encode(lambda, forKey: .lambda)
    try c.encode(seeds, forKey: .seeds)
    try c.encode(plasticity, forKey: .plasticity)
    try c.encode(stability, forKey: .stability)
    try c.encode(plasticityDifference, forKey: .plasticityDifference)
    try c.encode(stabilityDifference, forKey: .stabilityDifference)
    try c.encode(plasticityDifferenceSpread, forKey: .plasticityDifferenceSpread)
    try c.encode(stabilityDifferenceSpread, forKey: .stabilityDifferenceSpread)
    try c.encode(plasticityVerdict ?? "baseline", forKey: .plasticityVerdict)
    try c.encode(stabilityVerdict ?? "baseline", forKey: .stabilityVerdict)
  }

  init(method: ContinualMethod, lambda: Double, seeds: [UInt64], plasticity: SeedSpread, stability: SeedSpread) {
    self.method = method
    self.lambda = lambda
    self.seeds = seeds
    self.plasticity = plasticity
    self.stability = stability
  }
}

/// Every arm of a sweep against `single` (Docs/Statistics.md, "Sweeps: every arm against single").
///
/// Runs are paired by seed: each arm must have run on exactly the seeds `single` ran on, and
/// with the same seed both were scored on the same test users (the evaluation subset is drawn
/// from the seed alone, Docs/Math.md §39). A summary is a mean over (stage, block) cells, so
/// each user's difference in cell c is weighted by N / (C · n_c) before the two-stage bootstrap
/// — N users in all, C cells, n_c in cell c — which makes the pooled mean the mean of the cell means.
public enum SweepComparison {
  public static func compare(
    _ runs: [SweepRunResult], metric: RankingMetricName = .ndcg5, replicates: Int = 2000
  ) throws -> [SweepArmComparison] {
    struct Arm: Hashable { let method: ContinualMethod; let lambda: Double }
    var byArm: [Arm: [UInt64: SweepRunResult]] = [:]
    var order: [Arm] = []
    for r in runs {
      let arm = Arm(method: r.method, lambda: r.lambda)
      if byArm[arm] == nil { order.append(arm) }
      guard byArm[arm, default: [:]][r.seed] == nil else {
        throw LorascopeError.usage("sweep: \(r.method.rawValue) λ=\(r.lambda) seed \(r.seed) appears twice")
      }
      byArm[arm, default: [:]][r.seed] = r
    }
    order.sort { ($0.method.rawValue, $0.lambda) < ($1.method.rawValue, $1.lambda) }
    let single = byArm[Arm(method: .single, lambda: 0)]
    var out: [SweepArmComparison] = []
    for arm in order {
      let seedRuns = byArm[arm] ?? [:]
      let seeds = seedRuns.keys.sorted()
      let list = seeds.compactMap { seedRuns[$0] }
      var row = SweepArmComparison(
        method: arm.method, lambda: arm.lambda, seeds: seeds,
        plasticity: SeedSpread(list.compactMap { $0.plasticity(metric) }),
        stability: SeedSpread(list.compactMap { $0.stability(metric) }))
      if arm.method != .single, let single {
        let missing = seeds.filter { single[$0] == nil }
        guard missing.isEmpty else {
          throw LorascopeError.usage(
            "sweep: \(arm.method.rawValue) λ=\(arm.lambda) has seed \(missing.map(String.init).joined(separator: ",")) but no finished single run of that seed was collected; runs must be paired")
        }
        let baselines = seeds.compactMap { single[$0] }
        row.plasticityDifferenceSpread = SeedSpread(zip(list, baselines).compactMap { a, b in
          a.plasticity(metric).flatMap { x in b.plasticity(metric).map { x - $0 } } })
        row.stabilityDifferenceSpread = SeedSpread(zip(list, baselines).compactMap { a, b in
          a.stability(metric).flatMap { x in b.stability(metric).map { x - $0 } } })
        row.plasticityDifference = try interval(.plasticity, arm: list, single: baselines, metric: metric, replicates: replicates)
        row.stabilityDifference = try interval(.stability, arm: list, single: baselines, metric: metric, replicates: replicates)
      }
      out.append(row)
    }
    return out
  }

  /// The paired two-stage bootstrap interval of arm − single for one summary; nil when a run
  /// has no ranks (a run directory from before ranks were recorded) or is unfinished.
  static func interval(
    _ summary: SweepSummary, arm: [SweepRunResult], single: [SweepRunResult], metric: RankingMetricName, replicates: Int
  ) throws -> ConfidenceInterval? {
    var differences: [[Double]] = []
    for (a, b) in zip(arm, single) {
      guard let ra = a.ranks, let rb = b.ranks, a.metrics.blocks == b.metrics.blocks,
            ra.stages.count == a.metrics.blocks, rb.stages.count == b.metrics.blocks
      else { return nil }
      let cells = SweepRunResult.cells(summary, blocks: a.metrics.blocks)
      var pairs: [(x: ExampleRanks, y: ExampleRanks)] = []
      for cell in cells {
        let x = ra.stages[cell.stage][cell.block], y = rb.stages[cell.stage][cell.block]
        guard x.users == y.users else {
          throw LorascopeError.usage(
            "sweep: seed \(a.seed) scored different test users of block \(cell.block) under \(a.method.rawValue) and single")
        }
        pairs.append((x, y))
      }
      differences.append(cellWeightedDifferences(pairs, metric: metric))
    }
    guard !differences.isEmpty else { return nil }
    return try PairedBootstrap(differences: differences, replicates: replicates).interval()
  }

  /// One seed's per-user differences x − y over a summary's cells (the same users in x and y),
  /// each weighted N / (C · n_c) so that their mean is the mean of the C cell means.
  static func cellWeightedDifferences(_ cells: [(x: ExampleRanks, y: ExampleRanks)], metric: RankingMetricName) -> [Double] {
    let total = cells.reduce(0) { $0 + $1.x.ranks.count }
    var out: [Double] = []
    for (x, y) in cells where !x.ranks.isEmpty {
      let weight = Double(total) / (Double(cells.count) * Double(x.ranks.count))
      out += zip(x.values(metric), y.values(metric)).map { weight * ($0 - $1) }
    }
    return out
  }
}
