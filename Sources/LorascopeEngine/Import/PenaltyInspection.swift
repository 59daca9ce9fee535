import Foundation

/// What the adapters of a run say about its proximal term without any gradient (issue 13):
/// for every stage t ≥ 1 and module g (each factor A or B of an adapted linear), the penalty
/// between stage t and its anchor t − 1, exactly and as the released code's bf16 arithmetic
/// sees it, the size of the update, the spectrum of the metric H_{t−1}, and a first verdict
/// on whether λ can hold this module back at all.
public struct ModulePenalty: Codable, Sendable, Equatable {
  public let stage: Int
  /// The module's name as in the source file (e.g. the PEFT key prefix).
  public let module: String
  public let linear: String
  public let factor: String
  /// m_g.
  public let entries: Int
  /// KL(softmax(v_t) ‖ softmax(v_{t−1})) in float64 (Docs/Design.md §2).
  public let penaltyExact: Double
  /// The same KL through the released code's bf16 op sequence (ReleasedKLPenalty).
  public let penaltyBF16: Double
  /// ½ Δᵀ H_{t−1} Δ, the quadratic model of the penalty (Docs/Design.md §3).
  public let penaltyQuadratic: Double
  /// ‖Δ‖_F with Δ = v_t − v_{t−1}.
  public let displacementFro: Double
  /// ‖Δ‖_H = √(Δᵀ H_{t−1} Δ); H = diag(q) − qqᵀ, q = softmax(v_{t−1}).
  public let displacementH: Double
  /// Largest and smallest non-zero eigenvalue of H_{t−1} (secular equation).
  public let hMax: Double
  public let hMinPositive: Double
  /// λ_eff = λ/|L| and the stiffest curvature the penalty adds, λ_eff · h_max (≈ λ_eff/m_g near
  /// a uniform anchor).
  public let lambdaEff: Double
  public let stiffness: Double
  /// λ_eff · P_g: what the update costs in the training loss.
  public let weightedPenalty: Double
  /// |penalty_bf16 − penalty_exact| / penalty_exact (∞ when the exact value is 0).
  public let bf16RelativeError: Double
  /// "bf16 noise", "inert" or "may hold": see `PenaltyInspection.verdict`.
  public let verdict: String

  public init(
    stage: Int, module: String, linear: String, factor: String, entries: Int, penaltyExact: Double, penaltyBF16: Double,
    penaltyQuadratic: Double, displacementFro: Double, displacementH: Double, hMax: Double, hMinPositive: Double,
    lambdaEff: Double, stiffness: Double, weightedPenalty: Double, bf16RelativeError: Double, verdict: String
  ) {
    self.stage = stage
    self.module = module
    self.linear = linear
    self.factor = factor
    self.entries = entries
    self.penaltyExact = penaltyExact
    self.penaltyBF16 = penaltyBF16
    self.penaltyQuadratic = penaltyQuadratic
    self.displacementFro = displacementFro
    self.displacementH = displacementH
    self.hMax = hMax
    self.hMinPositive = hMinPositive
    self.lambdaEff = lambdaEff
    self.stiffness = stiffness
    self.weightedPenalty = weightedPenalty
    self.bf16RelativeError = bf16RelativeError
    self.verdict = verdict
  }

  enum CodingKeys: String, CodingKey {
    case stage, module, linear, factor, entries, penaltyExact = "penalty_exact", penaltyBF16 = "penalty_bf16"
    case penaltyQuadratic = "penalty_quadratic", displacementFro = "displacement_fro", displacementH = "displacement_h"
    case hMax = "h_max", hMinPositive = "h_min_positive", lambdaEff = "lambda_eff", stiffness
    case weightedPenalty = "weighted_penalty", bf16RelativeError = "bf16_relative_error", verdict
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(stage, forKey: .stage)
    try c.encode(module, forKey: .module)
    try c.encode(linear, forKey: .linear)
    try c.encode(factor, forKey: .factor)
    try c.encode(entries, forKey: .entries)
    try c.encode(penaltyExact, forKey: .penaltyExact)
    try c.encode(penaltyBF16, forKey: .penaltyBF16)
    try c.encode(penaltyQuadratic, forKey: .penaltyQuadratic)
    try c.encode(displacementFro, forKey: .displacementFro)
    try c.encode(displacementH, forKey: .displacementH)
    try c.encode(hMax, forKey: .hMax)
    try c.encode(hMinPositive, forKey: .hMinPositive)
    try c.encode(lambdaEff, forKey: .lambdaEff)
    try c.encode(stiffness, forKey: .stiffness)
    try c.encode(weightedPenalty, forKey: .weightedPenalty)
    // JSON has no infinity: an undefined relative error is written as null.
    if bf16RelativeError.isFinite { try c.encode(bf16RelativeError, forKey: .bf16RelativeError) } else {
      try c.encodeNil(forKey: .bf16RelativeError)
    }
    try c.encode(verdict, forKey: .verdict)
  }
}

/// Per-stage totals: the training loss's proximal term λ_eff Σ_g P_g, exact and as the released
/// code adds it (Σ over linears of bf16(KL_A + KL_B), times λ/|L|).
public struct StagePenalty: Codable, Sendable, Equatable {
  public let stage: Int
  public let totalExact: Double
  public let totalBF16: Double
  public let inertModules: Int
  public let bf16NoiseModules: Int
  enum CodingKeys: String, CodingKey {
    case stage, totalExact = "total_exact", totalBF16 = "total_bf16", inertModules = "inert_modules"
    case bf16NoiseModules = "bf16_noise_modules"
  }
}

public enum PenaltyInspection {
  /// The released recipe's λ (`continual_loss_weight` 2.0 in run_peso.sh).
  public static let releasedLambda = 2.0
  /// Default curvature floor of the verdict (see `verdict`).
  public static let defaultCurvatureFloor = 1e-4

  /// The verdict of one module:
  /// - "bf16 noise": the released code's bf16 penalty differs from the exact one by more than
  ///   the exact value itself, so what it trains against is rounding, not this update;
  /// - "inert": λ_eff · h_max < `curvatureFloor`. Along an eigen-direction of H with eigenvalue
  ///   h the penalty adds curvature λ_eff · h, and a direction is held back (w_k ≤ ½,
  ///   Docs/Design.md §3) only when the data's own curvature there is below that. When even the
  ///   stiffest direction adds less than the floor, λ can hold back only directions the data
  ///   barely curves; `lorascope spectrum --gradients` measures them (ρ_k against λ_eff);
  /// - "may hold": neither; the spectrum decides.
  public static func verdict(exact: Double, bf16: Double, stiffness: Double, curvatureFloor: Double) -> String {
    if abs(bf16 - exact) > exact { return "bf16 noise" }
    if stiffness < curvatureFloor { return "inert" }
    return "may hold"
  }

  /// One row per stage t ≥ 1 and module, and the per-stage totals.
  public static func inspect(
    run: ImportedRun, lambda: Double = releasedLambda, curvatureFloor: Double = defaultCurvatureFloor
  ) throws -> (rows: [ModulePenalty], stages: [StagePenalty]) {
    guard run.stageCount >= 2 else { return ([], []) }
    var rows: [ModulePenalty] = []
    var totals: [StagePenalty] = []
    var previous = try run.stage(0)
    let lambdaEff = try ProximalStrength(lambda: lambda, adaptedLinears: run.manifest.adaptedLinears).effective
    for t in 1..<run.stageCount {
      let current = try run.stage(t)
      var stageRows: [ModulePenalty] = []
      for (g, factor) in current.factors.enumerated() {
        stageRows.append(
          module(stage: t, current: factor, previous: previous.factors[g], lambdaEff: lambdaEff, curvatureFloor: curvatureFloor))
      }
      var bf16Total = 0.0
      for pairStart in stride(from: 0, to: stageRows.count, by: 2) where pairStart + 1 < stageRows.count {
        bf16Total += Double(ReleasedKLPenalty.linearBF16(a: Float(stageRows[pairStart].penaltyBF16), b: Float(stageRows[pairStart + 1].penaltyBF16)))
      }
      totals.append(StagePenalty(
        stage: t, totalExact: lambdaEff * stageRows.reduce(0) { $0 + $1.penaltyExact }, totalBF16: lambdaEff * bf16Total,
        inertModules: stageRows.filter { $0.verdict == "inert" }.count,
        bf16NoiseModules: stageRows.filter { $0.verdict == "bf16 noise" }.count))
      rows += stageRows
      previous = current
    }
    return (rows, totals)
  }

  /// The row of one module: `current` at stage t against its anchor `previous` at t − 1.
  public static func module(
    stage: Int, current: ImportedFactor, previous: ImportedFactor, lambdaEff: Double, curvatureFloor: Double
  ) -> ModulePenalty {
    let v = current.values.map(Double.init)
    let anchor = previous.values.map(Double.init)
    let logP = ProximalPenalty.logSoftmax(current.values)
    let logQ = ProximalPenalty.logSoftmax(previous.values)
    var kl = 0.0
    for i in v.indices { kl += exp(logP[i]) * (logP[i] - logQ[i]) }
    let q = logQ.map(exp)
    var fro = 0.0
    var qDelta = 0.0
    var qDelta2 = 0.0
    for i in v.indices {
      let d = v[i] - anchor[i]
      fro += d * d
      qDelta += q[i] * d
      qDelta2 += q[i] * d * d
    }
    let hNorm2 = max(qDelta2 - qDelta * qDelta, 0)
    let spectrum = SoftmaxHessianSpectrum(probabilities: q)
    let hMax = spectrum.largest
    let bf16 = Double(ReleasedKLPenalty.bf16(current: current.values, previous: previous.values))
    let exact = max(kl, 0)
    let stiffness = lambdaEff * hMax
    return ModulePenalty(
      stage: stage, module: current.name, linear: current.linear, factor: current.factor, entries: v.count,
      penaltyExact: exact, penaltyBF16: bf16, penaltyQuadratic: 0.5 * hNorm2, displacementFro: fro.squareRoot(),
      displacementH: hNorm2.squareRoot(), hMax: hMax, hMinPositive: spectrum.smallestPositive, lambdaEff: lambdaEff,
      stiffness: stiffness, weightedPenalty: lambdaEff * exact,
      bf16RelativeError: exact > 0 ? abs(bf16 - exact) / exact : (bf16 == 0 ? 0 : .infinity),
      verdict: verdict(exact: exact, bf16: bf16, stiffness: stiffness, curvatureFloor: curvatureFloor))
  }
}
