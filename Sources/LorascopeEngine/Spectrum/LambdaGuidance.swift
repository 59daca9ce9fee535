/// Which λ gives the stability a user wants, read off the spectrum (Docs/Design.md §3,
/// Docs/Math.md §41): the λ that puts the q-quantile ρ_q of the resolved ρ_k at weight w*,
///
///     λ(w*) = |L| · ρ_q · (1 − w*) / w*,
///
/// since w = ρ/(ρ + λ/|L|) = w* exactly when λ/|L| = ρ (1 − w*)/w*. "Resolved" is the split's
/// finite part above the zero cluster (`GeneralizedSpectrum.nonZeroRho`): the shift directions
/// (ρ ~ 1/ε) and the gauge/null cluster (ρ ≈ 0) are left out, as everywhere else.
public struct LambdaGuidance: Sendable, Equatable {
  /// The weights the screen and `spectrum --json` suggest a λ for.
  public static let targetWeights: [Double] = [0.9, 0.5, 0.1]
  /// The paper's λ grid (PESO's sweep), shown as the band of λ_eff it covers.
  public static let paperLambdaGrid: ClosedRange<Double> = 0.5...8

  /// The quantile q ∈ [0, 1] of the resolved ρ the guidance is taken at.
  public let quantile: Double
  /// ρ_q.
  public let rho: Double
  /// |L|, to turn λ_eff into λ.
  public let adaptedLinears: Int

  /// Nil when no ρ is resolved (nothing to guide by) or q is outside [0, 1].
  public init?(resolvedRho: [Double], quantile: Double = 0.5, adaptedLinears: Int) {
    let values = resolvedRho.filter { $0.isFinite && $0 > 0 }
    guard !values.isEmpty, quantile >= 0, quantile <= 1, adaptedLinears >= 1 else { return nil }
    self.quantile = quantile
    self.rho = Self.quantile(of: values.sorted(), at: quantile)
    self.adaptedLinears = adaptedLinears
  }

  /// The guidance of a spectrum's resolved ρ.
  public init?(spectrum: GeneralizedSpectrum, quantile: Double = 0.5, adaptedLinears: Int) {
    self.init(resolvedRho: spectrum.nonZeroRho, quantile: quantile, adaptedLinears: adaptedLinears)
  }

  /// λ that puts ρ_q at weight `target` (0 < w* < 1), nil otherwise.
  public func lambda(forWeight target: Double) -> Double? {
    ProximalStrength.effectiveLambda(puttingRho: rho, atWeight: target).map {
      ProximalStrength.lambda(forEffective: $0, adaptedLinears: adaptedLinears)
    }
  }

  /// λ(w*) for each of `targetWeights`, in that order.
  public var suggestions: [(weight: Double, lambda: Double)] {
    Self.targetWeights.compactMap { w in lambda(forWeight: w).map { (w, $0) } }
  }

  /// The λ_eff band of the paper's grid for |L| adapted linears.
  public static func paperEffectiveBand(adaptedLinears: Int) -> ClosedRange<Double> {
    let l = max(adaptedLinears, 1)
    let lower = ProximalStrength.effective(lambda: paperLambdaGrid.lowerBound, adaptedLinears: l)
    return lower...ProximalStrength.effective(lambda: paperLambdaGrid.upperBound, adaptedLinears: l)
  }

  /// The q-quantile of ascending `sorted` values, linearly interpolated between order
  /// statistics (position q·(n − 1); the median of an even count is the mean of the middle two).
  public static func quantile(of sorted: [Double], at q: Double) -> Double {
    Quantile.of(sorted: sorted, at: q)
  }
}
