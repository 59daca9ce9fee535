import Foundation

/// The live check of Docs/Design.md §3's quadratic model (`lorascope verify`, the screen's `v`):
/// from the same v_{t−1}, train stage t with λ = 0 (towards the data's optimum) and with λ,
/// project both displacements on the generalized directions q_k, and compare the realized ratio
/// c_k(λ)/c_k(0) with the predicted weight w_k = ρ_k/(ρ_k + λ_eff).
///
/// Only the directions with 0.05 ≤ w_k ≤ 0.95 are compared (TheoryCheck+Directions.swift,
/// Docs/Math.md §31): where w_k ≈ 1 or ≈ 0 the model predicts "no change" or "held", and
/// agreement there cannot confirm it. The quadratic model assumes small steps around v_{t−1}
/// and a convex loss; where AdamW's steps are large or the loss is not convex the ratios
/// scatter, and the report says so through the verdict and the per-direction rows.
public struct TheoryCheck: Encodable, Sendable {
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
  /// The resolved directions by band of predicted w_k.
  public let bands: Bands
  /// The compared directions: the testable ones (0.05 ≤ w_k ≤ 0.95), an evenly spread subset by
  /// w_k when there are more than the limit, in k order.
  public let directions: [Direction]
  /// Pearson correlation of predicted and realized over the compared directions.
  public let correlation: Double?
  /// ‖Δ(λ)‖ / ‖Δ(0)‖ in the H_ε norm: how much the anchor held back overall (every direction).
  public let displacementRatio: Double

  /// How many directions test the model (the middle band; `directions` may hold a subset).
  public var testableDirections: Int { bands.testable }

  enum CodingKeys: String, CodingKey {
    case selection, lambda, lambdaEff = "lambda_eff", fisher, bands, testableDirections = "testable_directions"
    case directions, correlation, displacementRatio = "displacement_ratio", verdict, medianGap = "median_gap"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(selection, forKey: .selection)
    try c.encode(lambda, forKey: .lambda)
    try c.encode(lambdaEff, forKey: .lambdaEff)
    try c.encode(fisher, forKey: .fisher)
    try c.encode(bands, forKey: .bands)
    try c.encode(testableDirections, forKey: .testableDirections)
    try c.encode(directions, forKey: .directions)
    try c.encode(correlation, forKey: .correlation)
    try c.encode(displacementRatio, forKey: .displacementRatio)
    try c.encode(agreement.rawValue, forKey: .verdict)
    try c.encode(medianGap, forKey: .medianGap)
  }

  /// Runs the check for the analysis's selection using displacements already trained from
  /// `source.anchor` (w_k from `strength`, the λ the anchored run trained with). The analysis
  /// should hold every resolved q_k (`TheoryCheck.analyze`); `limit` caps the compared ones.
  public static func evaluate(
    analysis: SpectrumAnalysis, source: SpectrumSource, free: FloatBuffer, anchored: FloatBuffer,
    strength: ProximalStrength, limit: Int = defaultComparedDirections
  ) throws -> TheoryCheck {
    let metric = try source.metric(for: analysis.selection)
    let anchor = source.anchor
    func displacement(_ v: FloatBuffer) -> [Double] {
      analysis.modules.flatMap { m in (0..<m.count).map { Double(v[m.offset + $0] - anchor[m.offset + $0]) } }
    }
    let d0 = displacement(free), dl = displacement(anchored)
    let spectrum = analysis.spectrum
    let chosen = testableIndices(spectrum: spectrum, strength: strength, limit: limit)
    let c0 = try spectrum.coefficients(of: d0, metric: metric, along: chosen)
    let cl = try spectrum.coefficients(of: dl, metric: metric, along: chosen)
    var rows: [Direction] = []
    for (i, k) in chosen.enumerated() {
      let rho = spectrum.rho[k]
      let realized = abs(c0[i]) > 1e-12 ? cl[i] / c0[i] : .nan
      rows.append(Direction(k: k, rho: rho, predicted: strength.weight(rho: rho, zeroCutoff: spectrum.zeroCutoff),
                            realized: realized, freeCoefficient: c0[i], anchoredCoefficient: cl[i]))
    }
    let valid = rows.filter { $0.realized.isFinite }
    let hNorm: ([Double]) throws -> Double = { d in
      let hd = try metric.apply(d, eps: spectrum.eps)
      return zip(d, hd).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot()
    }
    let ratio = try hNorm(dl) / max(try hNorm(d0), 1e-300)
    return TheoryCheck(
      selection: analysis.label, lambda: strength.lambda, lambdaEff: strength.effective, fisher: analysis.fisher,
      bands: Bands(spectrum: spectrum, strength: strength), directions: rows,
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
