import COpenBLAS

/// The low-rank path of Docs/Design.md §3: rank Σ ≤ n, so the non-zero ρ_k are the eigenvalues
/// of the n × n matrix `M = (1/n) G H_ε⁻¹ Gᵀ`, with `q_k ∝ H_ε⁻¹ Gᵀ u_k`.
///
/// It never forms a p × p matrix, so it handles every module jointly (p = 78,080 for the
/// tiny model): with `H_ε⁻¹ = D⁻¹ + Σ_g a_g a_gᵀ/δ_g` (MetricInverse.swift),
///
///     M = (1/n) (G D^{-½})(G D^{-½})ᵀ + (1/n) Σ_g c_g c_gᵀ / δ_g,   c_g = G_g a_g,
///
/// accumulated with one `cblas_dsyrk` per module (n²p flops in all) plus one rank-one
/// update per softmax-KL module, then `LAPACKE_dsyevd` on n × n. See Docs/Math.md §26.
public enum LowRankSpectrumSolver {
  /// Generalized spectrum of (Σ, H_ε) through the n × n reduction.
  ///
  /// - Parameters:
  ///   - G: per-example gradients, n × p row-major, without the 1/n.
  ///   - eps: damping per module; nil uses `metric.defaultEps()`.
  ///   - directionCount: how many top q_k to keep (0 = none); only directions with ρ above
  ///     the zero cluster exist in this path, so fewer may be returned.
  ///   - zeroThreshold: relative threshold of the zero cluster.
  public static func solve(
    G: [Double], n: Int, p: Int, metric: JointProximalMetric, eps: [Double]? = nil,
    directionCount: Int = 0, zeroThreshold: Double = GeneralizedSpectrum.defaultZeroThreshold
  ) throws -> GeneralizedSpectrum {
    let squaredNorm = try checkGradients(G, n: n, p: p, metric: metric)
    let eps = try metric.resolvedEps(eps)
    let inverses = try metric.preparedInverses(eps: eps)
    let reduced = reducedMatrix(G: G, n: n, p: p, metric: metric, inverses: inverses)
    let (values, u) = try LAPACK.symmetricEigen(reduced.m, n: n)

    // f_k = Σ_g (s_gᵀ u_k)² / (n ε_g m_g ρ_k), s_g = G_g 1_g: the shift fraction of
    // ShiftSplit.swift, using 1_gᵀ H_ε⁻¹ = 1_gᵀ / ε_g on a softmax-KL block.
    var shiftFraction = [Double](repeating: 0, count: n)
    for (g, sums) in reduced.shiftSums {
      let scale = 1 / (Double(n) * eps[g] * Double(metric.range(of: g).count))
      for k in 0..<n where values[k] > 0 {
        var dot = 0.0
        for i in 0..<n { dot += sums[i] * u[i * n + k] }
        shiftFraction[k] += scale * dot * dot / values[k]
      }
    }
    let split = ShiftSplit(
      values: values, shiftFraction: shiftFraction, problemSize: n, squaredNorm: squaredNorm, sampleCount: n,
      metric: metric, eps: eps, relativeThreshold: zeroThreshold)

    var directions: [[Double]]? = nil
    if directionCount > 0 {
      let chosen = split.rhoIndex.prefix(directionCount).filter { values[$0] > split.zeroCutoff }
      directions = recoverDirections(
        G: G, n: n, p: p, u: u, columns: chosen, values: values, metric: metric,
        inverses: inverses)
    }
    // The p − n directions outside the row space of G have ρ = 0 and join the zero cluster.
    return split.spectrum(
      directions: directions, eps: eps, method: .lowRank, sampleCount: n, parameterCount: p,
      implicitZeros: p - split.rho.count - split.shiftRho.count)
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

  /// M = (1/n) G H_ε⁻¹ Gᵀ (full symmetric n × n), plus `s_g = G_g 1_g` per softmax-KL module.
  ///
  /// Module by module: copy the n × m_g block of G scaled by D_g^{-½} into one reused
  /// buffer (a few MB, cache-sized, instead of a second 80 MB copy of G) and accumulate
  /// it with `cblas_dsyrk`; the same pass gives c_g = G_g a_g and s_g.
  static func reducedMatrix(
    G: [Double], n: Int, p: Int, metric: JointProximalMetric, inverses: [MetricInverse]
  ) -> (m: [Double], shiftSums: [(Int, [Double])]) {
    let largest = inverses.map(\.dimension).max() ?? 0
    var block = [Double](repeating: 0, count: n * largest)
    var m = [Double](repeating: 0, count: n * n)
    var rankOne: [(vector: [Double], denominator: Double)] = []
    var shiftSums: [(Int, [Double])] = []
    let invN = 1 / Double(n)
    for (module, inverse) in inverses.enumerated() {
      let r = metric.range(of: module)
      let width = r.count
      let rootInverse = inverse.inverseDiagonal.map { $0.squareRoot() }
      let a = inverse.rankOneVector
      var c = [Double](repeating: 0, count: a.isEmpty ? 0 : n)
      var s = [Double](repeating: 0, count: a.isEmpty ? 0 : n)
      G.withUnsafeBufferPointer { g in
        block.withUnsafeMutableBufferPointer { b in
          rootInverse.withUnsafeBufferPointer { root in
            for i in 0..<n {
              let row = i * p + r.lowerBound
              for j in 0..<width { b[i * width + j] = g[row + j] * root[j] }
            }
          }
          if !a.isEmpty {
            a.withUnsafeBufferPointer { a in
              for i in 0..<n {
                let row = i * p + r.lowerBound
                var dot = 0.0
                var sum = 0.0
                for j in 0..<width {
                  dot += a[j] * g[row + j]
                  sum += g[row + j]
                }
                c[i] = dot
                s[i] = sum
              }
            }
          }
          m.withUnsafeMutableBufferPointer { mm in
            SymmetricProduct.accumulateUpper(
              UnsafeBufferPointer(rebasing: b[0..<(n * width)]), rows: n, columns: width, side: .rows,
              alpha: invN, beta: 1, into: mm)
          }
        }
      }
      if !a.isEmpty {
        rankOne.append((c, inverse.denominator))
        shiftSums.append((module, s))
      }
    }
    for (c, delta) in rankOne {
      let scale = invN / delta
      for i in 0..<n {
        for j in i..<n { m[i * n + j] += scale * c[i] * c[j] }
      }
    }
    SymmetricProduct.mirrorUpper(&m, size: n)
    return (m, shiftSums)
  }

  /// `q_k = H_ε⁻¹ Gᵀ u_k / √(n ρ_k)`, which has `q_kᵀ H_ε q_k = u_kᵀ (n M) u_k / (n ρ_k) = 1`.
  static func recoverDirections(
    G: [Double], n: Int, p: Int, u: [Double], columns: [Int], values: [Double],
    metric: JointProximalMetric, inverses: [MetricInverse]
  ) -> [[Double]] {
    let count = columns.count
    guard count > 0 else { return [] }
    // Uᵀ restricted to the chosen eigenvectors: count × n.
    var ut = [Double](repeating: 0, count: count * n)
    for (row, k) in columns.enumerated() {
      for i in 0..<n { ut[row * n + i] = u[i * n + k] }
    }
    // V = Uᵀ G (count × p): row k is (Gᵀ u_k)ᵀ.
    var v = [Double](repeating: 0, count: count * p)
    ut.withUnsafeBufferPointer { a in
      G.withUnsafeBufferPointer { g in
        v.withUnsafeMutableBufferPointer { out in
          cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(p), Int32(n), 1,
            a.baseAddress, Int32(n), g.baseAddress, Int32(p), 0, out.baseAddress, Int32(p))
        }
      }
    }
    var directions: [[Double]] = []
    directions.reserveCapacity(count)
    for (row, k) in columns.enumerated() {
      var q = [Double](repeating: 0, count: p)
      let scale = 1 / (Double(n) * values[k]).squareRoot()
      v.withUnsafeBufferPointer { all in
        q.withUnsafeMutableBufferPointer { out in
          for (g, inverse) in inverses.enumerated() {
            let r = metric.range(of: g)
            let start = row * p + r.lowerBound
            inverse.apply(
              UnsafeBufferPointer(rebasing: all[start..<(start + r.count)]),
              into: UnsafeMutableBufferPointer(rebasing: out[r]))
          }
          for i in 0..<p { out[i] *= scale }
        }
      }
      directions.append(q)
    }
    return directions
  }
}
