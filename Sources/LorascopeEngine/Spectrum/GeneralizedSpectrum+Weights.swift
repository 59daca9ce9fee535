/// The interpolation weights w_k = ρ_k/(ρ_k + λ_eff) of Docs/Design.md §3 (Corollary 2 of
/// Docs/Math.md §25), computed from the cached ρ with no solve, so λ can be turned
/// live.
///
/// The formula and its conventions live in `ProximalStrength.weight(rho:lambdaEff:zeroCutoff:)`
/// (a negative or NaN λ_eff counts as 0; the zero cluster has w = 0 for every λ); the
/// shift directions have their own weights (≈ 1 for any moderate λ) and are never mixed
/// into `weights`. The `strength:` forms take λ as the user sets it.
extension GeneralizedSpectrum {
  /// w = ρ/(ρ + λ_eff): 1 = plasticity (follow the new data), 0 = stability (stay at the anchor).
  public static func weight(rho: Double, lambdaEff: Double, zeroCutoff: Double = 0) -> Double {
    ProximalStrength.weight(rho: rho, lambdaEff: lambdaEff, zeroCutoff: zeroCutoff)
  }

  /// The weights at a strength (λ and |L|).
  public func weights(at strength: ProximalStrength) -> [Double] { weights(lambdaEff: strength.effective) }

  /// The direction counts at a strength (λ and |L|).
  public func directionCounts(at strength: ProximalStrength, threshold: Double = 0.5) -> DirectionCounts {
    directionCounts(lambdaEff: strength.effective, threshold: threshold)
  }

  /// The weight of every entry of `rho`, in the same (descending ρ) order.
  public func weights(lambdaEff: Double) -> [Double] {
    rho.map { Self.weight(rho: $0, lambdaEff: lambdaEff, zeroCutoff: zeroCutoff) }
  }

  /// The weights of the shift directions (shown apart, Docs/Design.md §3).
  public func shiftWeights(lambdaEff: Double) -> [Double] {
    shiftRho.map { Self.weight(rho: $0, lambdaEff: lambdaEff) }
  }

  /// How many finite directions have w > `threshold` (e.g. 0.5: the plastic ones).
  ///
  /// The zero cluster (w = 0) and the shift directions are never counted.
  public func count(above threshold: Double, lambdaEff: Double) -> Int {
    rho.reduce(0) {
      $0 + (Self.weight(rho: $1, lambdaEff: lambdaEff, zeroCutoff: zeroCutoff) > threshold ? 1 : 0)
    }
  }

  /// Σ_k w_k over the finite directions: the number of directions the new data effectively
  /// moves (the effective degrees of freedom of the proximal problem).
  public func effectiveDimension(lambdaEff: Double) -> Double {
    weights(lambdaEff: lambdaEff).reduce(0, +)
  }

  /// The classification of all p directions a screen shows next to the weights.
  public func directionCounts(lambdaEff: Double, threshold: Double = 0.5) -> DirectionCounts {
    let plastic = count(above: threshold, lambdaEff: lambdaEff)
    let nonZero = rho.filter { $0 > zeroCutoff }.count
    return DirectionCounts(
      plastic: plastic, stable: nonZero - plastic, zeroCluster: gaugeCount,
      shift: shiftRho.count)
  }
}

/// All p directions of a spectrum, by kind (their sum is the dimension p).
public struct DirectionCounts: Sendable, Equatable {
  /// Finite directions with w > threshold: they follow the new data.
  public var plastic: Int
  /// Finite, non-zero directions with w ≤ threshold: they stay near the anchor.
  public var stable: Int
  /// The ρ = 0 cluster: LoRA gauge and directions no probe example moves.
  public var zeroCluster: Int
  /// The softmax-KL uniform-shift directions (ρ ~ 1/ε).
  public var shift: Int

  public init(plastic: Int, stable: Int, zeroCluster: Int, shift: Int) {
    self.plastic = plastic
    self.stable = stable
    self.zeroCluster = zeroCluster
    self.shift = shift
  }

  /// plastic + stable + zeroCluster + shift (= p).
  public var total: Int { plastic + stable + zeroCluster + shift }
}
