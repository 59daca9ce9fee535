import Foundation
import Testing

@testable import LorascopeEngine

/// The theory check compares only the directions that test the model (Docs/Math.md §31):
/// 0.05 ≤ w_k ≤ 0.95, counted by band over the whole resolved spectrum.
@Suite("Theory check: the directions that test the model")
struct TheoryCheckTests {
  /// A spectrum with the given ρ (descending), a zero cluster and a shift direction, and one
  /// stored (dummy) direction per entry of ρ so the selection can index them.
  static func planted(_ rho: [Double], zeros: Int = 3) -> GeneralizedSpectrum {
    let all = rho.sorted(by: >) + [Double](repeating: 0, count: zeros)
    return GeneralizedSpectrum(
      rho: all, directions: all.map { _ in [1.0] }, shiftRho: [1e9], gaugeCount: zeros, shiftFraction: all.map { _ in 0 },
      eps: [1e-3], method: .lowRank, dimension: all.count + 1, sampleCount: all.count, zeroCutoff: 1e-12)
  }

  @Test("bands count the resolved ρ by predicted w, leaving out the zero cluster and the shift")
  func bandsOnAPlantedSpectrum() throws {
    let strength = try ProximalStrength(lambda: 3, adaptedLinears: 4)
    // ρ = m·λ_eff has w = m/(m + 1): 100 → 0.990, 20 → 0.952, 18 → 0.947, 1 → 0.5, 0.06 → 0.057,
    // 0.05 → 0.048, 0.001 → 0.001.
    let multiples = [100, 20, 18, 1, 0.06, 0.05, 0.001]
    let spectrum = Self.planted(multiples.map { $0 * strength.effective })
    let bands = TheoryCheck.Bands(spectrum: spectrum, strength: strength)
    #expect(bands == TheoryCheck.Bands(below: 2, testable: 3, above: 2))
    #expect(bands.total == spectrum.nonZeroRho.count)
    #expect(bands.uncheckableReason == nil)
    // The compared directions are the middle band's, in k order.
    let chosen = TheoryCheck.testableIndices(spectrum: spectrum, strength: strength)
    #expect(chosen == [2, 3, 4])
    // The JSON keys a script reads.
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(bands)) as? [String: Int]
    #expect(json == ["below_0.05": 2, "0.05_to_0.95": 3, "above_0.95": 2])
  }

  @Test("many testable directions: an evenly spread subset by w, the ends included, deterministic")
  func evenlySpreadSubset() throws {
    let strength = try ProximalStrength(lambda: 1, adaptedLinears: 1)
    // 200 testable ρ from w ≈ 0.06 to w ≈ 0.94, plus 10 far above.
    let testable = (0..<200).map { i in strength.effective * 0.064 * pow(15.0 / 0.064, Double(i) / 199) }
    let spectrum = Self.planted(testable + [Double](repeating: 1e4, count: 10))
    #expect(TheoryCheck.Bands(spectrum: spectrum, strength: strength).testable == 200)
    let chosen = TheoryCheck.testableIndices(spectrum: spectrum, strength: strength, limit: 48)
    #expect(chosen.count == 48)
    #expect(Set(chosen).count == 48 && chosen == chosen.sorted())
    #expect(chosen.first == 10 && chosen.last == 209)  // the stiffest and the softest testable
    // Evenly spread: consecutive picks are 4 or 5 ranks apart, never bunched at one end.
    let steps = zip(chosen.dropFirst(), chosen).map { $0 - $1 }
    #expect(steps.allSatisfy { (4...5).contains($0) }, "\(steps)")
    #expect(TheoryCheck.testableIndices(spectrum: spectrum, strength: strength, limit: 48) == chosen)
  }

  @Test("no testable direction: the verdict says the check cannot be made, and which way")
  func cannotBeChecked() throws {
    let source = try SpectrumPipelineTests.source(kind: .l2)
    let analysis = try Self.analysis(source)
    let guidance = try #require(LambdaGuidance(spectrum: analysis.spectrum, quantile: 0, adaptedLinears: analysis.adaptedLinears))
    // λ that gives even the smallest resolved ρ w = 0.99: every direction keeps more than 95 %.
    let small = try analysis.strength(lambda: try #require(guidance.lambda(forWeight: 0.99)))
    let moved = try #require(source.model.lora)
    let check = try TheoryCheck.evaluate(analysis: analysis, source: source, free: moved, anchored: moved, strength: small)
    #expect(check.agreement == .cannotBeChecked)
    #expect(check.directions.isEmpty && check.testableDirections == 0)
    #expect(check.bands.above == analysis.spectrum.nonZeroRho.count && check.bands.above > 0)
    #expect(check.bands.uncheckableReason?.contains("cannot be checked at this λ: every direction keeps more than 95 %") == true)
    #expect(abs(check.displacementRatio - 1) < 1e-12)  // the overall ratio stays
    // λ that gives even the largest ρ w = 0.01: every direction keeps less than 5 %.
    let top = try #require(LambdaGuidance(spectrum: analysis.spectrum, quantile: 1, adaptedLinears: analysis.adaptedLinears))
    let huge = try analysis.strength(lambda: try #require(top.lambda(forWeight: 0.01)))
    let held = try TheoryCheck.evaluate(analysis: analysis, source: source, free: moved, anchored: moved, strength: huge)
    #expect(held.agreement == .cannotBeChecked)
    #expect(held.bands.uncheckableReason?.contains("every direction keeps less than 5 %") == true)
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(held)) as? [String: Any]
    #expect(json?["verdict"] as? String == "cannot_be_checked")
    #expect(json?["testable_directions"] as? Int == 0)
    #expect((json?["bands"] as? [String: Int])?["below_0.05"] == analysis.spectrum.nonZeroRho.count)
  }

  @Test("the verdict ignores the w ≈ 1 directions: a gross miss there does not count, one in the band does")
  func verdictIgnoresUntestableDirections() throws {
    let source = try SpectrumPipelineTests.source(kind: .l2)
    let analysis = try Self.analysis(source)
    let spectrum = analysis.spectrum
    // λ that gives the largest ρ w = 0.99: it (and any close to it) is above the band.
    let top = try #require(LambdaGuidance(spectrum: spectrum, quantile: 1, adaptedLinears: analysis.adaptedLinears))
    let strength = try analysis.strength(lambda: try #require(top.lambda(forWeight: 0.99)))
    let bands = TheoryCheck.Bands(spectrum: spectrum, strength: strength)
    try #require(bands.above >= 1 && bands.testable >= 3, "\(bands), ρ \(spectrum.nonZeroRho)")
    let free = try #require(source.model.lora)
    // Realized = w_k exactly in the band, 0.3 (a gross miss) above it.
    let good = try Self.anchored(source: source, analysis: analysis, free: free, strength: strength) { w in w > 0.95 ? 0.3 : w }
    let check = try TheoryCheck.evaluate(analysis: analysis, source: source, free: free, anchored: good, strength: strength)
    #expect(check.directions.allSatisfy { TheoryCheck.testableWeights.contains($0.predicted) })
    #expect(check.directions.count == bands.testable)
    #expect(check.agreement == .holds, "gap \(check.medianGap ?? -1)")
    #expect((check.medianGap ?? 1) < 1e-3)
    // The same miss inside the band (realized = w_k + 0.5) is judged.
    let bad = try Self.anchored(source: source, analysis: analysis, free: free, strength: strength) { w in w > 0.95 ? 1 : w + 0.5 }
    let missed = try TheoryCheck.evaluate(analysis: analysis, source: source, free: free, anchored: bad, strength: strength)
    #expect(missed.agreement != .holds && missed.agreement != .cannotBeChecked)
  }

  @Test("synthetic data at λ(w = ½): directions are testable, and the check compares them")
  func syntheticVerifyAtTheMedianLambda() throws {
    let session = try StageRaceTests.sessionAfterStageZero()
    let source = try session.spectrumSource(stage: 1, probeSize: 32, seed: session.config.seed)
    let gradients = try SpectrumPipeline.gradients(source: source, fisher: .empirical, selection: .joint)
    let analysis = try TheoryCheck.analyze(source: source, gradients: gradients, selection: .joint)
    // Every resolved direction is stored (rank Σ ≤ n), so the band holds all of them.
    #expect(analysis.spectrum.directions?.count == analysis.spectrum.nonZeroRho.count)
    let guidance = try #require(LambdaGuidance(spectrum: analysis.spectrum, adaptedLinears: analysis.adaptedLinears))
    let lambda = try #require(guidance.lambda(forWeight: 0.5))
    let strength = try ProximalStrength(lambda: lambda, layout: source.layout)
    #expect(abs(strength.weight(rho: guidance.rho) - 0.5) < 1e-12)
    let free = try session.retrainStage(1, lambda: 0)
    let anchored = try session.retrainStage(1, lambda: lambda)
    let check = try TheoryCheck.evaluate(analysis: analysis, source: source, free: free, anchored: anchored, strength: strength)
    #expect(check.testableDirections > 0)
    #expect(check.bands.total == analysis.spectrum.nonZeroRho.count)
    #expect(check.directions.count == min(check.testableDirections, TheoryCheck.defaultComparedDirections))
    #expect(check.directions.allSatisfy { TheoryCheck.testableWeights.contains($0.predicted) })
    #expect(check.agreement != .cannotBeChecked)
    #expect(check.displacementRatio < 1, "the anchor holds something back: \(check.displacementRatio)")
  }

  // MARK: - Helpers

  static func analysis(_ source: SpectrumSource) throws -> SpectrumAnalysis {
    let gradients = try SpectrumPipeline.gradients(source: source, fisher: .empirical, selection: .joint)
    return try TheoryCheck.analyze(source: source, gradients: gradients, selection: .joint)
  }

  /// anchor + Δ(0) + Σ_k (f(w_k) − 1) c_k(0) q_k over the stored directions: c_k(λ) = f(w_k)·c_k(0)
  /// exactly, since q_kᵀ H_ε q_j = δ_kj.
  static func anchored(
    source: SpectrumSource, analysis: SpectrumAnalysis, free: FloatBuffer, strength: ProximalStrength,
    ratio: (Double) -> Double
  ) throws -> FloatBuffer {
    let spectrum = analysis.spectrum
    let directions = try #require(spectrum.directions)
    let metric = try source.metric(for: analysis.selection)
    let positions = analysis.modules.flatMap { m in (0..<m.count).map { m.offset + $0 } }
    let d0 = positions.map { Double(free[$0]) - Double(source.anchor[$0]) }
    let c0 = try spectrum.coefficients(of: d0, metric: metric)
    var d = d0
    for (k, q) in directions.enumerated() {
      let factor = ratio(strength.weight(rho: spectrum.rho[k], zeroCutoff: spectrum.zeroCutoff)) - 1
      for i in q.indices { d[i] += factor * c0[k] * q[i] }
    }
    let out = source.anchor.clone()
    for (i, position) in positions.enumerated() { out[position] = Float(Double(source.anchor[position]) + d[i]) }
    return out
  }
}
