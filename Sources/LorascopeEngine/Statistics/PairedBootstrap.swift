/// A paired bootstrap interval for the difference of a per-example metric between two arms
/// (Docs/Statistics.md, "Paired differences").
///
/// Two arms (two λ, or a method against `single`) are *paired* when they ran on the same seeds
/// and were scored on the same test users: example (s, u) has a value under each arm, and the
/// quantity of interest is the mean of d(s, u) = b(s, u) − a(s, u). Pairing removes what the arms
/// share — how hard a user is, how lucky a seed's backbone is — so the interval measures only the
/// arms' difference.
///
/// The resampling is two-stage, matching how the data were made: seeds are drawn with
/// replacement, then within each drawn seed its users are drawn with replacement. A seed-to-seed
/// swing therefore widens the interval as it should; a one-seed study falls back to resampling
/// users alone (and says so through `seedCount`).
public struct PairedBootstrap: Sendable {
  /// Per-seed paired differences: `differences[s][u]` = b − a for test user u under seed s.
  public let differences: [[Double]]
  /// Number of bootstrap replicates.
  public let replicates: Int
  /// The seed of the resampling stream (the result is a pure function of the data and this seed).
  public let seed: UInt64

  public init(differences: [[Double]], replicates: Int = 2000, seed: UInt64 = 0x5EED_B007) throws {
    guard !differences.isEmpty, differences.allSatisfy({ !$0.isEmpty }) else {
      throw LorascopeError.usage("paired bootstrap: every seed needs at least one paired example")
    }
    guard differences.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
      throw LorascopeError.usage("paired bootstrap: a paired difference is not finite")
    }
    guard replicates >= 100 else {
      throw LorascopeError.usage("paired bootstrap: \(replicates) replicates are too few (≥ 100)")
    }
    self.differences = differences
    self.replicates = replicates
    self.seed = seed
  }

  /// Pairs two arms' per-seed, per-user values (the same users in the same order in both).
  public init(
    baseline: [[Double]], treatment: [[Double]], replicates: Int = 2000, seed: UInt64 = 0x5EED_B007
  ) throws {
    guard baseline.count == treatment.count else {
      throw LorascopeError.usage(
        "paired bootstrap: \(baseline.count) seeds against \(treatment.count) — the arms are not paired")
    }
    var d: [[Double]] = []
    for (s, (a, b)) in zip(baseline, treatment).enumerated() {
      guard a.count == b.count else {
        throw LorascopeError.usage(
          "paired bootstrap: seed \(s) has \(a.count) users in one arm and \(b.count) in the other")
      }
      d.append(zip(a, b).map { $1 - $0 })
    }
    try self.init(differences: d, replicates: replicates, seed: seed)
  }

  public var seedCount: Int { differences.count }

  /// The observed mean difference over every (seed, user) pair.
  public var meanDifference: Double {
    let total = differences.reduce(0) { $0 + $1.reduce(0, +) }
    return total / Double(differences.reduce(0) { $0 + $1.count })
  }

  /// The percentile interval of the mean difference at the given confidence (0.95 → [2.5 %, 97.5 %]).
  public func interval(confidence: Double = 0.95) -> ConfidenceInterval {
    var rng = SeededRNG(seed: seed)
    var means = [Double](repeating: 0, count: replicates)
    let seeds = differences.count
    for r in 0..<replicates {
      var sum = 0.0
      var count = 0
      for _ in 0..<seeds {
        // One seed stage: with a single seed there is nothing to draw between.
        let users = differences[seeds == 1 ? 0 : Int(rng.next() % UInt64(seeds))]
        for _ in 0..<users.count {
          sum += users[Int(rng.next() % UInt64(users.count))]
        }
        count += users.count
      }
      means[r] = sum / Double(count)
    }
    means.sort()
    let tail = (1 - confidence) / 2
    return ConfidenceInterval(
      mean: meanDifference,
      lower: Quantile.of(sorted: means, at: tail),
      upper: Quantile.of(sorted: means, at: 1 - tail),
      confidence: confidence)
  }
}

/// A mean with its interval, and the plain-language verdict the reports print.
public struct ConfidenceInterval: Codable, Sendable, Equatable {
  public var mean: Double
  public var lower: Double
  public var upper: Double
  public var confidence: Double

  public init(mean: Double, lower: Double, upper: Double, confidence: Double) {
    self.mean = mean
    self.lower = lower
    self.upper = upper
    self.confidence = confidence
  }

  /// The interval excludes zero: the difference is measured, not noise.
  public var excludesZero: Bool { lower > 0 || upper < 0 }

  /// "+0.0050 [+0.0032, +0.0067]": the mean and the interval, signed, as tables and findings print them.
  public var signedText: String { String(format: "%+.4f [%+.4f, %+.4f]", mean, lower, upper) }

  /// "better", "worse" or "no effect measured", for a metric where larger is better.
  public var verdict: String {
    if lower > 0 { return "better" }
    if upper < 0 { return "worse" }
    return "no effect measured"
  }
}
