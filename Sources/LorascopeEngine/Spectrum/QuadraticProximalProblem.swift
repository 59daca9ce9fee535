/// The quadratic model of one proximal stage, solved exactly (Docs/Design.md §3; Docs/Math.md §25).
///
///     min_θ  ½(θ − θ*)ᵀ Σ (θ − θ*) + (λ_eff/2)(θ − θ₀)ᵀ H (θ − θ₀)
///
/// has the minimizer θ = θ₀ + (Σ + λ_eff H)⁻¹ Σ (θ* − θ₀). In the basis of the generalized
/// eigenvectors (q_kᵀ H q_j = δ_kj, Σ q_k = ρ_k H q_k) the displacement's coordinate along
/// q_k is w_k = ρ_k/(ρ_k + λ_eff) times that of θ* − θ₀ (Corollary 2). Tests check that
/// identity numerically; `lorascope verify` uses it to check a trained stage against theory.
struct QuadraticProximalProblem: Sendable {
  /// Parameter count p.
  public let dimension: Int
  /// Σ, p × p row-major, symmetric positive semi-definite.
  public let sigma: [Double]
  /// H (in practice H_ε), p × p row-major, symmetric positive definite.
  public let metric: [Double]
  /// λ_eff ≥ 0.
  public let lambdaEff: Double

  /// Checks sizes, finiteness and λ_eff ≥ 0 (Σ + λ_eff H must then be positive definite,
  /// which `minimizer` checks through the Cholesky factorization).
  public init(sigma: [Double], metric: [Double], dimension: Int, lambdaEff: Double) throws {
    try LAPACK.checkSquare(sigma, n: dimension, name: "Σ", routine: "proximal problem")
    try LAPACK.checkSquare(metric, n: dimension, name: "H", routine: "proximal problem")
    guard lambdaEff.isFinite, lambdaEff >= 0 else {
      throw LorascopeError.invalidConfiguration(
        "proximal problem: λ_eff = \(lambdaEff) must be ≥ 0")
    }
    self.dimension = dimension
    self.sigma = sigma
    self.metric = metric
    self.lambdaEff = lambdaEff
  }

  /// Σ = (1/n)GᵀG and the dense H_ε of `jointMetric`.
  public init(
    G: [Double], n: Int, jointMetric: JointProximalMetric, eps: [Double]? = nil,
    lambdaEff: Double
  ) throws {
    let p = jointMetric.dimension
    _ = try checkGradients(G, n: n, p: p, metric: jointMetric)
    let eps = try jointMetric.resolvedEps(eps)
    try self.init(
      sigma: DenseSpectrumSolver.secondMoment(G, n: n, p: p),
      metric: jointMetric.dense(eps: eps), dimension: p, lambdaEff: lambdaEff)
  }

  /// θ = θ₀ + (Σ + λ_eff H)⁻¹ Σ (θ* − θ₀), solved with `LAPACKE_dposv`.
  ///
  /// Throws `LorascopeError.lapack` when Σ + λ_eff H is not positive definite
  /// (e.g. λ_eff = 0 with a singular Σ).
  public func minimizer(thetaStar: [Double], theta0: [Double]) throws -> [Double] {
    let p = dimension
    guard thetaStar.count == p, theta0.count == p else {
      throw LorascopeError.invalidConfiguration(
        "proximal problem: θ* has \(thetaStar.count) and θ₀ \(theta0.count) entries, expected \(p)")
    }
    var system = sigma
    for i in 0..<(p * p) { system[i] += lambdaEff * metric[i] }
    var rhs = [Double](repeating: 0, count: p)
    for i in 0..<p {
      var sum = 0.0
      for j in 0..<p { sum += sigma[i * p + j] * (thetaStar[j] - theta0[j]) }
      rhs[i] = sum
    }
    let step = try LAPACK.solvePositiveDefinite(a: system, b: rhs, n: p)
    return zip(theta0, step).map { $0 + $1 }
  }

  /// c_k = q_kᵀ H Δ for every direction (the coordinates of Δ in an H-orthonormal basis).
  public func coefficients(of displacement: [Double], along directions: [[Double]]) throws
    -> [Double]
  {
    let p = dimension
    guard displacement.count == p else {
      throw LorascopeError.invalidConfiguration(
        "proximal problem: displacement has \(displacement.count) entries, expected \(p)")
    }
    var hDelta = [Double](repeating: 0, count: p)
    for i in 0..<p {
      var sum = 0.0
      for j in 0..<p { sum += metric[i * p + j] * displacement[j] }
      hDelta[i] = sum
    }
    return try directions.enumerated().map { k, q in
      guard q.count == p else {
        throw LorascopeError.invalidConfiguration(
          "proximal problem: direction \(k) has \(q.count) entries, expected \(p)")
      }
      var sum = 0.0
      for i in 0..<p { sum += q[i] * hDelta[i] }
      return sum
    }
  }
}
