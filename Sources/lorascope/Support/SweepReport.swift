import Foundation
import LorascopeEngine

/// The result of a sweep, the same whether its runs ran in this process or were collected from
/// run directories (`sweep --json`, `sweep --collect … --json`): nothing in it depends on where
/// or when a run ran (no paths, no wall times), so the two can be compared byte for byte.
struct SweepReport: Encodable {
  struct Run: Encodable {
    let method: ContinualMethod
    let lambda: Double
    let seed: UInt64
    let plasticity: Double?
    let stability: Double?
    let hasRanks: Bool
    let matrix: [[Double?]]
    enum CodingKeys: String, CodingKey { case method, lambda, seed, plasticity, stability, hasRanks = "has_ranks", matrix }
  }

  let dataset: String
  let metric: RankingMetricName
  let definitions: [String: String]
  let arms: [SweepArmComparison]
  /// The counting baselines over the same seeds and plasticity cells (Docs/Math.md §44); empty for
  /// runs from before they were recorded.
  let counters: [SweepCounterSummary]
  /// Every arm's plasticity against the best counter's, paired (empty without counters).
  let againstCounter: [SweepArmAgainstCounter]
  let runs: [Run]

  enum CodingKeys: String, CodingKey {
    case dataset, metric, definitions, arms, counters = "counting_baselines", againstCounter = "arms_against_best_counter", runs
  }

  init(dataset: String, metric: RankingMetricName, results: [SweepRunResult]) throws {
    self.dataset = dataset
    self.metric = metric
    definitions = [
      "plasticity": "mean over t >= 1 of R[t][t] (each stage on its own block; the headline average over blocks 1..T-1)",
      "stability": "mean over j of R[T][j] (the final state on every block)",
      "interval": "arm minus single, 95% paired two-stage bootstrap over (seed, test user); better/worse only when it excludes 0",
      "counting_baselines": "popularity, first-order Markov, co-occurrence fitted on blocks 0..t, mean over t >= 1 on block t's test users (the plasticity cells)",
    ]
    arms = try SweepComparison.compare(results, metric: metric)
    counters = SweepCounterSummary.summarize(results, metric: metric)
    let best = counters.max { $0.plasticity.mean < $1.plasticity.mean }
    againstCounter = try best.map { try SweepArmAgainstCounter.compare(results, counter: $0.baseline, metric: metric) } ?? []
    runs = results.sorted { ($0.method.rawValue, $0.lambda, $0.seed) < ($1.method.rawValue, $1.lambda, $1.seed) }.map {
      Run(method: $0.method, lambda: $0.lambda, seed: $0.seed, plasticity: $0.plasticity(metric),
          stability: $0.stability(metric), hasRanks: $0.ranks != nil, matrix: $0.metrics.matrix(metric).values)
    }
  }

  func json() throws -> Data {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try enc.encode(self)
  }

  /// The table: one row per arm, plasticity and stability with their seed spread, each arm's
  /// difference from single with its interval and the verdict in words.
  func table() -> String {
    var t = TextTable([
      "method", "λ", "seeds", "plasticity ± sd", "Δ vs single [95 %]", "", "stability ± sd", "Δ vs single [95 %]", "",
    ])
    for a in arms {
      t.add([
        a.method.rawValue, a.method.usesLambda ? fmt(a.lambda) : "—", "\(a.seeds.count)",
        Self.spread(a.plasticity), Self.interval(a.plasticityDifference, a.method), Self.verdict(a.plasticityDifference, a.method),
        Self.spread(a.stability), Self.interval(a.stabilityDifference, a.method), Self.verdict(a.stabilityDifference, a.method),
      ])
    }
    return "\(metric.rawValue) on \(dataset): plasticity = mean R[t][t] over t ≥ 1, stability = mean R[T][j] over j; "
      + "Δ = arm − single paired over (seed, test user)\n" + t.render() + (counterLines().map { "\n" + $0 } ?? "")
  }

  /// The counters' plasticity and the arms below the best of them, in words (nil without counters).
  func counterLines() -> String? {
    guard let best = counters.max(by: { $0.plasticity.mean < $1.plasticity.mean }) else { return nil }
    var out = "counting baselines, \(metric.rawValue) plasticity (Docs/Math.md §44): "
      + counters.map { "\($0.baseline.label) \(Self.spread($0.plasticity))" }.joined(separator: ", ")
    let below = arms.filter { $0.plasticity.mean < best.plasticity.mean }.map { arm in
      let name = arm.method.usesLambda ? "\(arm.method.rawValue) λ=\(fmt(arm.lambda))" : arm.method.rawValue
      let paired = againstCounter.first { $0.method == arm.method && $0.lambda == arm.lambda }?.difference
      return paired.map { "\(name) \($0.signedText)" } ?? name
    }
    out += below.isEmpty
      ? "\nevery arm's plasticity is above the \(best.baseline.label) counter's"
      : "\nbelow the \(best.baseline.label) counter's plasticity (\(String(format: "%.4f", best.plasticity.mean))): \(below.joined(separator: ", "))"
    return out
  }

  static func spread(_ s: SeedSpread) -> String {
    guard s.mean.isFinite else { return "—" }
    guard let sd = s.standardDeviation else { return String(format: "%.4f", s.mean) }
    return String(format: "%.4f ± %.4f", s.mean, sd)
  }

  static func interval(_ c: ConfidenceInterval?, _ method: ContinualMethod) -> String {
    if method == .single { return "baseline" }
    guard let c else { return "no ranks" }
    return c.signedText
  }

  static func verdict(_ c: ConfidenceInterval?, _ method: ContinualMethod) -> String {
    method == .single ? "" : (c?.verdict ?? "")
  }
}
