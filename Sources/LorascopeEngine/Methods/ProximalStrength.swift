/// How strongly the proximal term pulls: λ, the number of adapted linears |L|, the weight
/// λ_eff = λ/|L| each module's P_g carries (Docs/Design.md §2), and the interpolation weight
/// w = ρ/(ρ + λ_eff) of a generalized direction (Docs/Design.md §3, Docs/Math.md §25).
///
/// This is the only place λ_eff and w are computed: the penalty, the spectrum, `verify`, the
/// study, the sweep and the screen all go through it, so the normalization cannot drift
/// between them.
public struct ProximalStrength: Sendable, Equatable, Hashable, Codable {
  /// λ as the user sets it (the paper code's normalization).
  public let lambda: Double
  /// |L|, the adapted linear layers (each contributes an A and a B module).
  public let adaptedLinears: Int

  /// A checked strength: λ must be finite and ≥ 0, |L| ≥ 1.
  public init(lambda: Double, adaptedLinears: Int) throws {
    try Self.validate(lambda: lambda)
    guard adaptedLinears >= 1 else {
      throw LorascopeError.invalidConfiguration("|L| = \(adaptedLinears) adapted linears: need at least 1")
    }
    self.lambda = lambda
    self.adaptedLinears = adaptedLinears
  }

  /// For a λ the caller has already checked (finite, ≥ 0) and |L| ≥ 1; only the engine,
  /// where the session's history guarantees both, uses it.
  init(validatedLambda lambda: Double, adaptedLinears: Int) {
    self.lambda = lambda
    self.adaptedLinears = max(adaptedLinears, 1)
  }

  /// The strength of a LoRA layout at λ.
  public init(lambda: Double, layout: LoRALayout) throws {
    try self.init(lambda: lambda, adaptedLinears: layout.adaptedLinearCount)
  }

  /// Throws a message naming the bad value unless λ is finite and ≥ 0.
  /// The largest λ accepted. The penalty's gradient λ_eff ∇P is formed in float32 (max ≈ 3.4e38):
  /// a larger λ passed validation and then failed at stage 1 with a non-finite loss. 1e30 leaves
  /// eight decades for ∇P and still holds the adapter at its anchor for any practical purpose.
  public static let maximumLambda = 1e30

  public static func validate(lambda: Double) throws {
    guard lambda.isFinite, lambda >= 0 else {
      throw LorascopeError.invalidConfiguration("λ = \(lambda): λ must be a finite number ≥ 0")
    }
    guard lambda <= maximumLambda else {
      throw LorascopeError.invalidConfiguration(
        "λ = \(lambda) is above the largest λ lorascope trains with (\(maximumLambda)): the penalty would overflow float32")
    }
  }

  /// The same |L| at another λ (checked).
  public func with(lambda: Double) throws -> ProximalStrength {
    try ProximalStrength(lambda: lambda, adaptedLinears: adaptedLinears)
  }

  /// λ_eff = λ/|L|, the weight of each module's P_g in the objective CE + λ_eff Σ_g P_g.
  public var effective: Double { Self.effective(lambda: lambda, adaptedLinears: adaptedLinears) }

  /// λ_eff = λ/|L| of a λ that is only displayed, not trained with (an unchecked grid edge, a
  /// report of a stored value); |L| below 1 counts as 1.
  public static func effective(lambda: Double, adaptedLinears: Int) -> Double {
    lambda / Double(max(adaptedLinears, 1))
  }

  /// The λ whose λ_eff is `effective` (the inverse of `effective`).
  public static func lambda(forEffective effective: Double, adaptedLinears: Int) -> Double {
    effective * Double(adaptedLinears)
  }

  /// w = ρ/(ρ + λ_eff) at this strength: 1 = plasticity (follow the new data), 0 = stability.
  public func weight(rho: Double, zeroCutoff: Double = 0) -> Double {
    Self.weight(rho: rho, lambdaEff: effective, zeroCutoff: zeroCutoff)
  }

  /// The weight of every ρ in order.
  public func weights(_ rho: [Double], zeroCutoff: Double = 0) -> [Double] {
    rho.map { weight(rho: $0, zeroCutoff: zeroCutoff) }
  }

  /// w = ρ/(ρ + λ_eff) for any inputs, with the edge cases fixed once:
  /// - ρ NaN, ≤ 0 or ≤ `zeroCutoff` (the zero cluster) → 0, for every λ_eff (the limit λ → 0⁺);
  /// - λ_eff NaN or < 0 → treated as 0 (no penalty), so any ρ > 0 gets w = 1;
  /// - ρ = +∞ → 1 unless λ_eff = +∞ too (then 0: the anchor is infinitely stiff);
  /// - λ_eff = +∞ with finite ρ → 0.
  public static func weight(rho: Double, lambdaEff: Double, zeroCutoff: Double = 0) -> Double {
    guard !rho.isNaN, rho > 0, rho > zeroCutoff else { return 0 }
    let lambda = lambdaEff.isNaN ? 0 : max(lambdaEff, 0)
    if lambda == .infinity { return 0 }
    if rho == .infinity { return 1 }
    return rho / (rho + lambda)
  }

  /// The λ_eff that puts a direction of curvature ρ at weight w*: λ_eff = ρ (1 − w*)/w*.
  /// Nil unless 0 < w* < 1 and ρ is finite and > 0.
  public static func effectiveLambda(puttingRho rho: Double, atWeight target: Double) -> Double? {
    guard rho.isFinite, rho > 0, target > 0, target < 1 else { return nil }
    return rho * (1 - target) / target
  }
}
