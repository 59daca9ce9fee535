import LorascopeEngine

/// The JSON keys every spectrum report shares — `spectrum --json` on a run and `spectrum
/// --gradients --json` on an imported run — and the fields they both write, written once so the
/// two cannot drift (a script reads either with the same code).
enum SpectrumJSONKey: String, CodingKey {
  case selection, method, metric, fisher, rho, weights, eps, lambda, lambdaEff = "lambda_eff", shiftRho = "shift_rho"
  case shiftCount = "shift_count", gaugeCount = "gauge_count", plasticCount = "plastic_count", probe, dimension
  case topDirections = "top_directions", modules, suggestedLambda = "suggested_lambda"
  case penaltyGradientRatio = "penalty_gradient_ratio", penaltyNats = "penalty_nats"
  case changeShare = "change_share", effectiveDimension = "effective_dimension"
  case gradientFiles = "gradient_files", gradientBytes = "gradient_bytes", seconds
}

extension KeyedEncodingContainer where K == SpectrumJSONKey {
  /// The fields of `spectrum` at `strength` both reports write: the solver, ρ and the shift
  /// split, ε, λ and λ_eff, the counts (plastic: w_k > ½, `directionCounts`) and the dimension.
  mutating func encodeSpectrum(_ spectrum: GeneralizedSpectrum, at strength: ProximalStrength, probe: Int) throws {
    try encode(spectrum.method.rawValue, forKey: .method)
    try encode(spectrum.rho, forKey: .rho)
    try encode(spectrum.eps, forKey: .eps)
    try encode(strength.lambda, forKey: .lambda)
    try encode(strength.effective, forKey: .lambdaEff)
    try encode(spectrum.shiftRho, forKey: .shiftRho)
    try encode(spectrum.shiftRho.count, forKey: .shiftCount)
    try encode(spectrum.gaugeCount, forKey: .gaugeCount)
    try encode(spectrum.directionCounts(at: strength).plastic, forKey: .plasticCount)
    try encode(probe, forKey: .probe)
    try encode(spectrum.dimension, forKey: .dimension)
  }
}
