@testable import LorascopeEngine
import Testing

/// Bad input reaches the caller as a LorascopeError, never as a crash.
struct SpectrumErrorTests {
  @Test func indefiniteMetricIsALapackError() {
    let a = [1.0, 0, 0, 1]
    let b = [1.0, 0, 0, -1]
    #expect {
      _ = try LAPACK.generalizedSymmetricEigen(a: a, b: b, n: 2)
    } throws: { error in
      guard case .lapack(let routine, let info) = error as? LorascopeError else { return false }
      return routine == "LAPACKE_dsygvd" && info > 2  // info > n: B not positive definite
    }
  }

  @Test func singularProximalSystemIsALapackError() throws {
    // λ_eff = 0 and Σ = 0: Σ + λH is the zero matrix, dposv fails at the first pivot.
    let p = 3
    let problem = try QuadraticProximalProblem(
      sigma: [Double](repeating: 0, count: p * p),
      metric: try ProximalMetric.identity(dimension: p).dense(eps: 0),
      dimension: p, lambdaEff: 0)
    #expect(throws: LorascopeError.lapack(routine: "LAPACKE_dposv", info: 1)) {
      _ = try problem.minimizer(thetaStar: [1, 2, 3], theta0: [0, 0, 0])
    }
  }

  @Test func badGradientsAreRejected() {
    let metric = ProximalMetric.identity(dimension: 3)
    var g = [Double](repeating: 1, count: 6)
    #expect(throws: LorascopeError.self) {
      _ = try LowRankSpectrumSolver.solve(G: g, n: 3, p: 3, metric: metric)  // wrong count
    }
    g[4] = .nan
    #expect(throws: LorascopeError.numerical("spectrum: gradient of example 1, parameter 1 is nan"))
    {
      _ = try DenseSpectrumSolver.solve(G: g, n: 2, p: 3, metric: metric)
    }
  }

  @Test func singularOrInvalidMetricsAreRejected() {
    let softmax = ProximalMetric.softmaxKL(anchorLogits: [0.1, 0.2, 0.3])
    #expect(throws: LorascopeError.self) { _ = try softmax.applyInverse([1, 1, 1], eps: 0) }
    #expect(throws: LorascopeError.self) { _ = try softmax.applyInverse([1, 1, 1], eps: -1) }
    #expect(throws: LorascopeError.self) {
      _ = try DenseSpectrumSolver.solve(G: [1, 2, 3], n: 1, p: 3, metric: softmax, eps: 0)
    }
    #expect(throws: LorascopeError.self) {
      _ = try ProximalMetric.diagonal([1, 0]).applyInverse([1, 1], eps: 0)
    }
    #expect(throws: LorascopeError.self) {
      _ = try JointProximalMetric(modules: [.diagonal([1, -2])])
    }
    #expect(throws: LorascopeError.self) {
      _ = try JointProximalMetric(modules: [.softmaxKL(anchorLogits: [.infinity, 0])])
    }
    #expect(throws: LorascopeError.self) {
      _ = try LAPACK.symmetricEigen([1, .nan, .nan, 1], n: 2)
    }
  }
}
