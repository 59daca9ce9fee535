import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope spectrum --run-dir RUN --stage t --gradients FILE…`: ρ_k and w_k of an imported
/// run from per-example gradients exported by Scripts/export_gradients.py (issue 13), against
/// H_{t−1} of the imported adapter, streamed module by module (StreamedSpectrumSolver).
extension SpectrumCommand {
  func runOnGradients() throws {
    let run = try ImportedRun.open(URL(fileURLWithPath: options.runDir))
    guard options.stage >= 1, options.stage < run.stageCount else {
      throw ValidationError("--stage must be in 1…\(run.stageCount - 1): H_{t−1} needs the stage before it")
    }
    let files = try GradientFiles(paths: gradients)
    let selection: [Int]
    if options.joint {
      selection = Array(files.modules.indices)
    } else if let module = options.module {
      selection = [try files.index(of: module)]
    } else {
      selection = [0]
    }
    let anchorStage = options.stage - 1
    let start = Date()
    let spectrum = try StreamedSpectrumSolver.solve(
      gradients: files, selection: selection,
      anchorLogits: { try run.factorValues(stage: anchorStage, module: try run.module(matching: $0)) }, epsRelative: options.epsRelative)
    let seconds = Date().timeIntervalSince(start)
    let report = GradientSpectrumReport(
      selection: options.joint ? "joint (\(selection.count) modules)" : files.modules[selection[0]],
      spectrum: spectrum,
      strength: try ProximalStrength(
        lambda: options.lambda ?? PenaltyInspection.releasedLambda, adaptedLinears: run.manifest.adaptedLinears),
      files: gradients, gradientBytes: files.gradientBytes, seconds: seconds)
    if json { try printJSON(report) } else { try printResult(report.render()) }
  }
}

/// What `spectrum --gradients` prints; the shared keys are `spectrum --json`'s (SpectrumJSON.swift).
struct GradientSpectrumReport: Encodable {
  let selection: String
  let spectrum: GeneralizedSpectrum
  let strength: ProximalStrength
  let files: [String]
  let gradientBytes: Int
  let seconds: Double

  var lambda: Double { strength.lambda }
  var lambdaEff: Double { strength.effective }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: SpectrumJSONKey.self)
    try c.encodeSpectrum(spectrum, at: strength, probe: spectrum.sampleCount)
    try c.encode(selection, forKey: .selection)
    try c.encode("softmaxKL", forKey: .metric)
    try c.encode(spectrum.weights(lambdaEff: lambdaEff), forKey: .weights)
    try c.encode(spectrum.effectiveDimension(lambdaEff: lambdaEff), forKey: .effectiveDimension)
    try c.encode(files, forKey: .gradientFiles)
    try c.encode(gradientBytes, forKey: .gradientBytes)
    try c.encode(seconds, forKey: .seconds)
  }

  func render() -> String {
    let s = spectrum
    let w = s.weights(lambdaEff: lambdaEff)
    var out = "\(selection) · Σ from \(files.count) gradient file(s), n = \(s.sampleCount) · H: softmax-KL at stage t−1 · streamed low-rank path, p = \(s.dimension)\n"
    out += String(format: "λ = %g, λ_eff = λ/|L| = %.4g, ε = %.3g…%.3g · %.2f s\n", lambda, lambdaEff, s.eps.min() ?? 0, s.eps.max() ?? 0, seconds)
    let counts = s.directionCounts(lambdaEff: lambdaEff)
    out += "directions with w > 0.5: \(counts.plastic) · w ≤ 0.5: \(counts.stable) · zero cluster: \(s.gaugeCount) · shift (ρ ~ 1/ε): \(s.shiftRho.count)\n"
    out += String(format: "effective dimension Σ w_k = %.3f\n", s.effectiveDimension(lambdaEff: lambdaEff))
    var t = TextTable(["k", "ρ_k", "w_k"])
    for k in 0..<min(20, s.nonZeroRho.count) { t.add(["\(k)", String(format: "%.4g", s.rho[k]), String(format: "%.4f", w[k])]) }
    out += t.render()
    return out
  }
}
