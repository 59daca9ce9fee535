import Foundation
@testable import LorascopeEngine
import Testing

/// The generalized spectrum of (Σ, H_ε): LAPACK by hand, the oracle case of Docs/Design.md §D, and the
/// dense and low-rank paths against each other (Docs/Design.md §3).
struct SpectrumTests {
  @Test func twoByTwoByHand() throws {
    // det(A − wB) = (2 − 2w)(3 − w) − 1 = 2w² − 8w + 5 → w = 2 ∓ √6/2.
    let a = [2.0, 1, 1, 3]
    let b = [2.0, 0, 0, 1]
    let (w, z) = try LAPACK.generalizedSymmetricEigen(a: a, b: b, n: 2)
    #expect(abs(w[0] - (2 - 6.0.squareRoot() / 2)) < 1e-12)
    #expect(abs(w[1] - (2 + 6.0.squareRoot() / 2)) < 1e-12)
    #expect(abs(w[0] - 0.77526) < 1e-5 && abs(w[1] - 3.22474) < 1e-5)
    for k in 0..<2 {
      let q = [z[k], z[2 + k]]
      let aq = SpectrumFixtures.multiply(a, q)
      let bq = SpectrumFixtures.multiply(b, q)
      for i in 0..<2 { #expect(abs(aq[i] - w[k] * bq[i]) < 1e-12) }
      #expect(abs(SpectrumFixtures.dot(q, bq) - 1) < 1e-12)  // zᵀBz = 1
    }
  }

  @Test func symmetricEigenMatchesTrace() throws {
    let a = [4.0, 1, 0, 1, 3, 1, 0, 1, 2]
    let (w, z) = try LAPACK.symmetricEigen(a, n: 3)
    #expect(w == w.sorted())
    #expect(abs(w.reduce(0, +) - 9) < 1e-12)
    for k in 0..<3 {
      let v = (0..<3).map { z[$0 * 3 + k] }
      let av = SpectrumFixtures.multiply(a, v)
      for i in 0..<3 { #expect(abs(av[i] - w[k] * v[i]) < 1e-12) }
    }
  }

  /// The numpy case of Docs/Design.md §D (d = 40, n = 12) with our own RNG: dense at tiny ε, low-rank
  /// and the ε-free oracle agree; the naively projected matrix does not.
  @Test func guideCaseOracleAgreement() throws {
    let d = 40
    let n = 12
    let logits = SpectrumFixtures.normals(d, scale: 0.3, seed: 11)
    let g = SpectrumFixtures.gradients(n: n, p: d, seed: 12)
    let metric = ProximalMetric.softmaxKL(anchorLogits: logits)
    let eps = 1e-10
    let dense = try DenseSpectrumSolver.solve(G: g, n: n, p: d, metric: metric, eps: eps)
    let lowRank = try LowRankSpectrumSolver.solve(G: g, n: n, p: d, metric: metric, eps: eps)
    let oracle = try EpsFreeOracle.solve(G: g, n: n, p: d, anchorLogits: logits)

    #expect(oracle.count == n - 1)
    #expect(dense.nonZeroRho.count == n - 1)
    #expect(lowRank.nonZeroRho.count == n - 1)
    #expect(SpectrumFixtures.worstRelative(dense.nonZeroRho, oracle) <= 1e-7)
    #expect(SpectrumFixtures.worstRelative(lowRank.nonZeroRho, oracle) <= 1e-7)
    #expect(SpectrumFixtures.worstRelative(lowRank.nonZeroRho, dense.nonZeroRho) <= 1e-7)
    #expect(dense.shiftRho.count == 1 && lowRank.shiftRho.count == 1)
    #expect(dense.gaugeCount == d - n && lowRank.gaugeCount == d - n)

    // The naive projection (I − qqᵀ) M̃ (I − qqᵀ), M̃ = D^{-½}ΣD^{-½}, q = √p, is wrong.
    let p = ProximalMetric.softmax(logits)
    let sigma = DenseSpectrumSolver.secondMoment(g, n: n, p: d)
    let q = p.map { $0.squareRoot() }
    var projector = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for j in 0..<d { projector[i * d + j] = (i == j ? 1 : 0) - q[i] * q[j] }
    }
    var whitened = sigma
    for i in 0..<d {
      for j in 0..<d { whitened[i * d + j] /= q[i] * q[j] }
    }
    let projected = multiplyMatrices(projector, multiplyMatrices(whitened, projector, d), d)
    let naive = try LAPACK.symmetricEigen(projected, n: d).values.sorted(by: >)
    #expect(SpectrumFixtures.worstRelative(Array(naive.prefix(n - 1)), oracle) > 1e-3)
  }

  /// Dense (dsygvd, p × p) and low-rank (dsyevd, n × n) agree on every non-zero ρ, on the
  /// shift ρ and on the zero-cluster size, for each metric kind and jointly.
  @Test(arguments: [(n: 6, seed: 1), (n: 17, seed: 2), (n: 40, seed: 3)])
  func denseAndLowRankAgree(n: Int, seed: UInt64) throws {
    let sizes = [24, 31, 18]
    let metrics: [ProximalMetric] = [
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(sizes[0], scale: 0.5, seed: seed + 10)),
      .identity(dimension: sizes[1]),
      .diagonal(SpectrumFixtures.positives(sizes[2], seed: seed + 20)),
    ]
    var cases: [JointProximalMetric] = try metrics.map { try JointProximalMetric($0) }
    cases.append(try JointProximalMetric(modules: metrics))
    for joint in cases {
      let p = joint.dimension
      let g = SpectrumFixtures.gradients(n: n, p: p, seed: seed)
      let dense = try DenseSpectrumSolver.solve(G: g, n: n, p: p, metric: joint)
      let lowRank = try LowRankSpectrumSolver.solve(G: g, n: n, p: p, metric: joint)
      let rank = min(n, p)
      let shifts = joint.modules.filter(\.hasShiftDirection).count
      #expect(dense.shiftRho.count == shifts)
      #expect(lowRank.shiftRho.count == shifts)
      #expect(dense.nonZeroRho.count == rank - shifts)
      #expect(lowRank.nonZeroRho.count == rank - shifts)
      #expect(SpectrumFixtures.worstRelative(lowRank.nonZeroRho, dense.nonZeroRho) <= 1e-8)
      #expect(SpectrumFixtures.worstRelative(lowRank.shiftRho, dense.shiftRho) <= 1e-8)
      #expect(dense.gaugeCount == lowRank.gaugeCount)
      #expect(dense.gaugeCount == p - rank)
      #expect(dense.directionCounts(lambdaEff: 1).total == p)
      #expect(lowRank.directionCounts(lambdaEff: 1).total == p)
      #expect(dense.rho == dense.rho.sorted(by: >))
    }
  }

  /// The stored directions of both paths satisfy Σq = ρH_εq and q_kᵀH_εq_j = δ_kj.
  @Test func directionsAreGeneralizedEigenvectors() throws {
    let n = 9
    let joint = try JointProximalMetric(modules: [
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(20, scale: 0.4, seed: 5)),
      .diagonal(SpectrumFixtures.positives(15, seed: 6)),
    ])
    let p = joint.dimension
    let g = SpectrumFixtures.gradients(n: n, p: p, seed: 7)
    let sigma = DenseSpectrumSolver.secondMoment(g, n: n, p: p)
    for solver in [DenseSpectrumSolver.solve, LowRankSpectrumSolver.solve] as [SolverFunction] {
      let s = try solver(g, n, p, joint, nil, 5, GeneralizedSpectrum.defaultZeroThreshold)
      let q = try #require(s.directions)
      #expect(q.count == 5)
      for k in q.indices {
        let sq = SpectrumFixtures.multiply(sigma, q[k])
        let hq = try joint.apply(q[k], eps: s.eps)
        let scale = sq.map(abs).max() ?? 1
        for i in 0..<p { #expect(abs(sq[i] - s.rho[k] * hq[i]) <= 1e-9 * scale) }
        for j in q.indices {
          let inner = SpectrumFixtures.dot(q[j], hq)
          #expect(abs(inner - (j == k ? 1 : 0)) < 1e-9)
        }
      }
    }
  }

  typealias SolverFunction = (
    [Double], Int, Int, JointProximalMetric, [Double]?, Int, Double
  ) throws -> GeneralizedSpectrum

  private func multiplyMatrices(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
    var c = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for k in 0..<d {
        let aik = a[i * d + k]
        for j in 0..<d { c[i * d + j] += aik * b[k * d + j] }
      }
    }
    return c
  }
}
