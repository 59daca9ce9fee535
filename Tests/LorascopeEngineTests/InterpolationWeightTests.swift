@testable import LorascopeEngine
import Testing

/// w_k = ρ_k/(ρ_k + λ_eff) from the cached ρ (Docs/Design.md §3: λ is live).
struct InterpolationWeightTests {
  private func spectrum() throws -> GeneralizedSpectrum {
    let n = 15
    let m = 60
    let metric = ProximalMetric.softmaxKL(
      anchorLogits: SpectrumFixtures.normals(m, scale: 0.5, seed: 81))
    let g = SpectrumFixtures.gradients(n: n, p: m, seed: 82)
    return try DenseSpectrumSolver.solve(G: g, n: n, p: m, metric: metric)
  }

  @Test func weightsAreRhoOverRhoPlusLambda() throws {
    let s = try spectrum()
    for lambda in [1e-3, 0.4, 7.0, 300.0] {
      let w = s.weights(lambdaEff: lambda)
      #expect(w.count == s.rho.count)
      for (k, rho) in s.rho.enumerated() {
        let expected = rho > s.zeroCutoff ? rho / (rho + lambda) : 0
        #expect(abs(w[k] - expected) <= 1e-15)
      }
    }
  }

  @Test func weightsDecreaseAsLambdaGrows() throws {
    let s = try spectrum()
    let lambdas = [0.0, 0.01, 0.1, 1, 10, 100, 1e4]
    let rows = lambdas.map { s.weights(lambdaEff: $0) }
    for (a, b) in zip(rows, rows.dropFirst()) {
      for k in a.indices {
        if s.rho[k] > s.zeroCutoff {
          #expect(a[k] > b[k])
        } else {
          #expect(a[k] == 0 && b[k] == 0)
        }
      }
    }
    // λ = 0: every non-zero direction follows the data entirely.
    #expect(rows[0].filter { $0 == 1 }.count == s.nonZeroRho.count)
    // Weights are descending in k because ρ is.
    #expect(rows[3] == rows[3].sorted(by: >))
  }

  @Test func countsAndClassification() throws {
    let s = try spectrum()
    let lambda = s.nonZeroRho[s.nonZeroRho.count / 2]  // the median ρ sits at w = ½
    let above = s.count(above: 0.5, lambdaEff: lambda)
    #expect(above == s.weights(lambdaEff: lambda).filter { $0 > 0.5 }.count)
    #expect(above == s.nonZeroRho.count / 2)
    let counts = s.directionCounts(lambdaEff: lambda)
    #expect(counts.plastic == above)
    #expect(counts.stable == s.nonZeroRho.count - above)
    #expect(counts.shift == 1 && counts.zeroCluster == s.gaugeCount)
    #expect(counts.total == s.dimension)
    #expect(s.shiftWeights(lambdaEff: lambda)[0] > 0.99)
    let effective = s.effectiveDimension(lambdaEff: lambda)
    #expect(effective > 0 && effective < Double(s.nonZeroRho.count))
    // A nonsensical λ is treated as 0 rather than producing negative weights.
    #expect(s.weights(lambdaEff: -1) == s.weights(lambdaEff: 0))
  }
}
