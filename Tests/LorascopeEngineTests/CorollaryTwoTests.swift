@testable import LorascopeEngine
import Testing

/// Corollary 2 (Docs/Design.md §3): the exact proximal minimizer moves along every q_k by
/// w_k = ρ_k/(ρ_k + λ_eff) times the component of θ* − θ₀.
struct CorollaryTwoTests {
  @Test(arguments: [(seed: UInt64(1), lambda: 0.05), (seed: 2, lambda: 0.7), (seed: 3, lambda: 12)])
  func minimizerCoefficientsAreWeightedTargets(seed: UInt64, lambda: Double) throws {
    let n = 7  // rank Σ = 7 < p: rank-deficient on purpose
    let joint = try JointProximalMetric(modules: [
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(14, scale: 0.4, seed: seed + 100)),
      .diagonal(SpectrumFixtures.positives(9, seed: seed + 200)),
      .identity(dimension: 6),
    ])
    let p = joint.dimension
    let g = SpectrumFixtures.gradients(n: n, p: p, seed: seed)
    let problem = try QuadraticProximalProblem(G: g, n: n, jointMetric: joint, lambdaEff: lambda)
    let thetaStar = SpectrumFixtures.normals(p, seed: seed + 300)
    let theta0 = SpectrumFixtures.normals(p, seed: seed + 400)
    let theta = try problem.minimizer(thetaStar: thetaStar, theta0: theta0)

    // The full H_ε-orthonormal basis: every direction, shift and zero cluster included.
    let (rho, z) = try LAPACK.generalizedSymmetricEigen(a: problem.sigma, b: problem.metric, n: p)
    let basis = (0..<p).map { k in (0..<p).map { z[$0 * p + k] } }
    let target = try problem.coefficients(
      of: zip(thetaStar, theta0).map { $0 - $1 }, along: basis)
    let moved = try problem.coefficients(of: zip(theta, theta0).map { $0 - $1 }, along: basis)
    let scale = target.map(abs).max() ?? 1
    for k in 0..<p {
      let w = max(rho[k], 0) / (max(rho[k], 0) + lambda)
      #expect(abs(moved[k] - w * target[k]) <= 1e-9 * scale)
    }
  }

  /// The same identity through the low-rank spectrum's own directions and weights.
  @Test func lowRankDirectionsCarryTheWeights() throws {
    let n = 10
    let joint = try JointProximalMetric(modules: [
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(25, scale: 0.3, seed: 71)),
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(18, scale: 0.3, seed: 72)),
    ])
    let p = joint.dimension
    let lambda = 0.3
    let g = SpectrumFixtures.gradients(n: n, p: p, seed: 73)
    let spectrum = try LowRankSpectrumSolver.solve(
      G: g, n: n, p: p, metric: joint, directionCount: n)
    let problem = try QuadraticProximalProblem(G: g, n: n, jointMetric: joint, lambdaEff: lambda)
    let thetaStar = SpectrumFixtures.normals(p, seed: 74)
    let theta0 = SpectrumFixtures.normals(p, seed: 75)
    let theta = try problem.minimizer(thetaStar: thetaStar, theta0: theta0)
    let target = try spectrum.coefficients(
      of: zip(thetaStar, theta0).map { $0 - $1 }, metric: joint)
    let moved = try spectrum.coefficients(of: zip(theta, theta0).map { $0 - $1 }, metric: joint)
    let weights = spectrum.weights(lambdaEff: lambda)
    #expect(target.count == n - 2)  // n data directions minus the two shifts
    let scale = target.map(abs).max() ?? 1
    for k in target.indices {
      #expect(abs(moved[k] - weights[k] * target[k]) <= 1e-9 * scale)
    }
  }
}
