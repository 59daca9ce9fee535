/// A small, fast, seeded generator (SplitMix64) so every run is reproducible from its seed.
public struct SeededRNG: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Advances past `count` outputs of `next()` at once (SplitMix64's state steps by a constant).
  public mutating func skip(_ count: Int) {
    state &+= 0x9E37_79B9_7F4A_7C15 &* UInt64(count)
  }

  /// Uniform in [0, 1).
  public mutating func nextUniform() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// Standard normal (Box–Muller).
  public mutating func nextNormal() -> Double {
    let u1 = max(nextUniform(), 1e-300)
    let u2 = nextUniform()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }
}

/// The one place a run's random streams come from (Docs/Math.md §39): every random
/// choice of a run — initialization, batch order, dropout, the evaluation subset, the probe —
/// is drawn from `SeededRNG(seed: SeedStream(root: seed).seed(purpose, index))`.
///
/// `seed(purpose, index) = f(f(f(root) ⊕ purpose.tag) ⊕ index)`, where f(x) is the first output
/// of SplitMix64 started at x (a bijection of x). The root is mixed first so that nearby roots
/// (seeds 0, 1, 2, …) cannot cancel the small tags. Distinct (root, purpose, index) give
/// distinct, decorrelated seeds, unlike the ad-hoc offsets (`seed + 1`, `seed + 1000 + t`, …) they
/// replace, where for example stage t's dropout at step 7919 reused stage t+1's order seed.
public struct SeedStream: Sendable, Equatable {
  /// What a derived seed is for; the raw value is its tag in the derivation (never reorder).
  public enum Purpose: UInt64, CaseIterable, Sendable {
    /// The backbone's initial weights (stage 0).
    case backboneInitialization = 1
    /// Backbone pretraining's batch order (stage 0).
    case backboneBatchOrder = 2
    /// Stage t's fresh LoRA initialization (index t).
    case adapterInitialization = 3
    /// Stage t's batch order (index t), shared by the run and by retraining for `verify`.
    case stageBatchOrder = 4
    /// Epoch e's shuffle within one phase's batch plan (index e; root: the plan's seed).
    case epochOrder = 5
    /// Dropout of optimizer step s (index s; root: the plan's seed).
    case dropout = 6
    /// One LoRA linear's dropout mask within a step (index layer·16 + kind; root: the step's dropout seed).
    case loraDropoutMask = 7
    /// The seeded subset of block j's test users (index j).
    case evaluationSubset = 8
    /// The spectrum's probe sample of block b (index b).
    case probe = 9
    /// The labels the sampled-label Fisher draws.
    case sampledFisherLabels = 10
    /// Independent streams of command-line fixtures (`interop`, `bench`; index k).
    case fixture = 11
    /// One hidden-dropout site's mask within a step (index: `HiddenDropout` site; root: the step's dropout seed).
    case hiddenDropoutMask = 12
    /// The order in which the λ curve's simulation draws probe sequences into batches (index:
    /// the simulated epoch; Docs/Math.md §45).
    case simulatedBatchOrder = 13
  }

  /// Bumped whenever a derivation changes; part of the backbone cache key, so a backbone
  /// pretrained under another derivation is never reused.
  public static let version = 2

  public let root: UInt64

  public init(root: UInt64) { self.root = root }

  /// The seed of `purpose`'s `index`-th stream.
  public func seed(_ purpose: Purpose, _ index: Int = 0) -> UInt64 {
    Self.mix(Self.mix(Self.mix(root) ^ purpose.rawValue) ^ UInt64(bitPattern: Int64(index)))
  }

  /// A generator for `purpose`'s `index`-th stream.
  public func generator(_ purpose: Purpose, _ index: Int = 0) -> SeededRNG {
    SeededRNG(seed: seed(purpose, index))
  }

  static func mix(_ x: UInt64) -> UInt64 {
    var g = SeededRNG(seed: x)
    return g.next()
  }
}
