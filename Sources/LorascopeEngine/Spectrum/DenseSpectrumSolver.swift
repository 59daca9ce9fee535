import COpenBLAS

/// The dense path of Docs/Design.md §3: build Σ = (1/n)GᵀG and H_ε (both p × p) and call
/// `LAPACKE_dsygvd`. O(p³) time and O(p²) memory: meant for one module (p ≤ a few
/// thousand) and as the reference the low-rank path is tested against.
enum DenseSpectrumSolver {
  /// Generalized spectrum of (Σ, H_ε) for the joint metric.
  ///
  /// - Parameters:
  ///   - G: per-example gradients, n × p row-major, without the 1/n.
  ///   - eps: damping per module; nil uses `metric.defaultEps()`.
  ///   - directionCount: how many top q_k to keep (0 = none).
  ///   - zeroThreshold: relative threshold of the zero cluster.
  public static func solve(
    G: [Double], n: Int, p: Int, metric: JointProximalMetric, eps: [Double]? = nil,
    directionCount: Int = 0, zeroThreshold: Double = GeneralizedSpectrum.defaultZeroThreshold
  ) throws -> GeneralizedSpectrum {
    let squaredNorm = try checkGradients(G, n: n, p: p, metric: metric)
    let eps = try metric.resolvedEps(eps)
    // Same singularity checks as the low-rank path (softmax-KL needs ε > 0), with a message
    // that names the module rather than a bare dsygvd info code.
    _ = try metric.preparedInverses(eps: eps)
    let sigma = secondMoment(G, n: n, p: p)
    let h = try metric.dense(eps: eps)
    let (values, vectors) = try LAPACK.generalizedSymmetricEigen(a: sigma, b: h, n: p)

    // f_k = Σ_g ε_g (1_gᵀ q_k)² / m_g over softmax-KL modules (ShiftSplit.swift).
    var shiftFraction = [Double](repeating: 0, count: p)
    for (g, module) in metric.modules.enumerated() where module.hasShiftDirection {
      let r = metric.range(of: g)
      var columnSums = [Double](repeating: 0, count: p)
      for i in r {
        for k in 0..<p { columnSums[k] += vectors[i * p + k] }
      }
      let scale = eps[g] / Double(r.count)
      for k in 0..<p { shiftFraction[k] += scale * columnSums[k] * columnSums[k] }
    }
    let split = ShiftSplit(
      values: values, shiftFraction: shiftFraction, problemSize: p, squaredNorm: squaredNorm, sampleCount: n,
      metric: metric, eps: eps, relativeThreshold: zeroThreshold)

    var directions: [[Double]]? = nil
    if directionCount > 0 {
      directions = split.rhoIndex.prefix(directionCount).map { k in
        (0..<p).map { vectors[$0 * p + k] }
      }
    }
    return split.spectrum(directions: directions, eps: eps, method: .dense, sampleCount: n, parameterCount: p)
  }

  /// The single-module case; `eps` nil uses `metric.defaultEps()`.
  public static func solve(
    G: [Double], n: Int, p: Int, metric: ProximalMetric, eps: Double? = nil,
    directionCount: Int = 0, zeroThreshold: Double = GeneralizedSpectrum.defaultZeroThreshold
  ) throws -> GeneralizedSpectrum {
    try solve(
      G: G, n: n, p: p, metric: JointProximalMetric(metric), eps: eps.map { [$0] },
      directionCount: directionCount, zeroThreshold: zeroThreshold)
  }

  /// Σ = (1/n)GᵀG as a full symmetric p × p row-major matrix (`cblas_dsyrk`).
  public static func secondMoment(_ G: [Double], n: Int, p: Int) -> [Double] {
    SymmetricProduct.gram(G, rows: n, columns: p, side: .columns, alpha: 1 / Double(n))
  }
}
