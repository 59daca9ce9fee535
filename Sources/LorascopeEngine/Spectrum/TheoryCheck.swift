import Foundation

/// The live check of Docs/Design.md §3's quadratic model (`lorascope verify`): from the same v_{t−1},
/// train stage t with λ = 0 (towards the data's optimum) and with the run's λ, project both
/// displacements on the top generalized directions q_k, and compare the realized ratio
/// c_k(λ)/c_k(0) with the predicted weight w_k = ρ_k/(ρ_k + λ_eff).
///
/// The quadratic model assumes small steps around v_{t−1} and a convex loss; where AdamW's
/// steps are large or the loss is not convex the ratios scatter, and the report says so
/// through the correlation and the per-direction rows rather than hiding it.
public struct TheoryCheck: Codable, Sendable {
  public struct Direction: Codable, Sendable {
    public let k: Int
    public let rho: Double
    public let predicted: Double
    public let realized: Double
    public let freeCoefficient: Double
    public let anchoredCoefficient: Double
    enum CodingKeys: String, CodingKey {
      case k, rho, predicted, realized, freeCoefficient = "c_lambda0", anchoredCoefficient = "c_lambda"
    }
  }

  public let selection: String
  public let lambda: Double
  public let lambdaEff: Double
  public let fisher: FisherKind
  public let directions: [Direction]
  /// Pearson correlation of predicted and realized over the directions.
  public let correlation: Double?
  /// ‖Δ(λ)‖ / ‖Δ(0)‖ in the H_ε norm: how much the anchor held back overall.
  public let displacementRatio: Double

  enum CodingKeys: String, CodingKey {
    case selection, lambda, lambdaEff = "lambda_eff", fisher, directions, correlation
    case displacementRatio = "displacement_ratio"
  }

  /// Runs the check for the analysis's selection using displacements already trained from
  /// `source.anchor` (w_k from `strength`, the λ the anchored run trained with).
  public static func evaluate(
    analysis: SpectrumAnalysis, source: SpectrumSource, free: FloatBuffer, anchored: FloatBuffer,
    strength: ProximalStrength
  ) throws -> TheoryCheck {
    let metric = try source.metric(for: analysis.selection)
    let anchor = source.anchor
    func displacement(_ v: FloatBuffer) -> [Double] {
      analysis.modules.flatMap { m in (0..<m.count).map { Double(v[m.offset + $0] - anchor[m.offset + $0]) } }
    }
    let d0 = displacement(free), dl = displacement(anchored)
    let c0 = try analysis.spectrum.coefficients(of: d0, metric: metric)
    let cl = try analysis.spectrum.coefficients(of: dl, metric: metric)
    var rows: [Direction] = []
    for k in c0.indices where k < analysis.spectrum.rho.count {
      let rho = analysis.spectrum.rho[k]
      let realized = abs(c0[k]) > 1e-12 ? cl[k] / c0[k] : .nan
      rows.append(Direction(k: k, rho: rho, predicted: strength.weight(rho: rho), realized: realized,
                            freeCoefficient: c0[k], anchoredCoefficient: cl[k]))
    }
    let valid = rows.filter { $0.realized.isFinite }
    let hNorm: ([Double]) throws -> Double = { d in
      let hd = try metric.apply(d, eps: analysis.spectrum.eps)
      return zip(d, hd).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot()
    }
    let ratio = try hNorm(dl) / max(try hNorm(d0), 1e-300)
    return TheoryCheck(
      selection: analysis.label, lambda: strength.lambda, lambdaEff: strength.effective, fisher: analysis.fisher, directions: rows,
      correlation: pearson(valid.map(\.predicted), valid.map(\.realized)), displacementRatio: ratio)
  }

  static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
    guard x.count >= 3 else { return nil }
    let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (a, b) in zip(x, y) {
      sxy += (a - mx) * (b - my)
      sxx += (a - mx) * (a - mx)
      syy += (b - my) * (b - my)
    }
    guard sxx > 0, syy > 0 else { return nil }
    return sxy / (sxx * syy).squareRoot()
  }
}
