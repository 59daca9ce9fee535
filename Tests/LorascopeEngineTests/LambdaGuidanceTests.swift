import LorascopeEngine
import Testing

/// λ(w*) = |L|·ρ_q·(1 − w*)/w* (Docs/Math.md §41).
@Suite("λ guidance from the spectrum")
struct LambdaGuidanceTests {
  @Test("λ(w*) puts exactly the chosen quantile of the resolved ρ at w*", arguments: [0.5, 0.25, 0.9])
  func quantileLandsAtTarget(quantile: Double) throws {
    let rho = SpectrumFixtures.positives(37, seed: 4).map { $0 * 1e-3 }
    let guidance = try #require(LambdaGuidance(resolvedRho: rho + [0, -1e-18, .nan], quantile: quantile, adaptedLinears: 28))
    let sorted = rho.sorted()
    #expect(guidance.rho == LambdaGuidance.quantile(of: sorted, at: quantile))
    for target in LambdaGuidance.targetWeights {
      let lambda = try #require(guidance.lambda(forWeight: target))
      let strength = try ProximalStrength(lambda: lambda, adaptedLinears: 28)
      #expect(abs(strength.weight(rho: guidance.rho) - target) < 1e-9, "w* \(target) at q \(quantile)")
    }
    #expect(guidance.suggestions.map(\.weight) == [0.9, 0.5, 0.1])
  }

  @Test("quantiles interpolate between order statistics; the median of an even count is the middle mean")
  func quantiles() {
    #expect(LambdaGuidance.quantile(of: [1, 2, 3, 10], at: 0.5) == 2.5)
    #expect(LambdaGuidance.quantile(of: [1, 2, 3], at: 0.5) == 2)
    #expect(LambdaGuidance.quantile(of: [4], at: 0.9) == 4)
    #expect(LambdaGuidance.quantile(of: [1, 3], at: 1) == 3)
    #expect(LambdaGuidance.quantile(of: [1, 3], at: 0) == 1)
  }

  @Test("no resolved ρ, a bad quantile or w* outside (0, 1): no guidance")
  func nothingToGuideBy() throws {
    #expect(LambdaGuidance(resolvedRho: [], adaptedLinears: 4) == nil)
    #expect(LambdaGuidance(resolvedRho: [0, 0], adaptedLinears: 4) == nil)
    #expect(LambdaGuidance(resolvedRho: [1], quantile: 1.5, adaptedLinears: 4) == nil)
    let g = try #require(LambdaGuidance(resolvedRho: [2], adaptedLinears: 4))
    #expect(g.lambda(forWeight: 0) == nil && g.lambda(forWeight: 1) == nil)
    #expect(g.lambda(forWeight: 0.5) == 8)  // λ_eff = ρ = 2, λ = 4 · 2
  }

  @Test("the paper's grid as a λ_eff band")
  func paperBand() {
    let band = LambdaGuidance.paperEffectiveBand(adaptedLinears: 28)
    #expect(band.lowerBound == 0.5 / 28 && band.upperBound == 8.0 / 28)
  }

  @Test("guidance from a solved spectrum uses its resolved part only (no shift, no zero cluster)")
  func fromSpectrum() throws {
    // The L2 metric has no shift directions, so the micro model's ρ are all resolved data directions.
    let source = try SpectrumPipelineTests.source(kind: .l2)
    let analysis = try SpectrumPipeline.run(source: source, selection: .joint, fisher: .empirical, directions: 0)
    let g = try #require(LambdaGuidance(spectrum: analysis.spectrum, adaptedLinears: analysis.adaptedLinears))
    #expect(g.rho == LambdaGuidance.quantile(of: analysis.spectrum.nonZeroRho.sorted(), at: 0.5))
    #expect(analysis.spectrum.shiftRho.isEmpty && !analysis.spectrum.nonZeroRho.isEmpty)
    // ρ at or below the zero cutoff never enters the quantile.
    #expect(g.rho > analysis.spectrum.zeroCutoff)
  }
}
