import COpenBLAS

/// The low-rank path of Docs/Design.md §3: rank Σ ≤ n, so the non-zero ρ_k are the eigenvalues
/// of the n × n matrix `M = (1/n) G H_ε⁻¹ Gᵀ`, with `q_k ∝ H_ε⁻¹ Gᵀ u_k`.
///
/// It never forms a p × p matrix, so it handles every module jointly (p = 78,080 for the
/// tiny model): with `H_ε⁻¹ = D⁻¹ + Σ_g a_g a_gᵀ/δ_g` (MetricInverse.swift),
///
///     M = (1/n) (G D^{-½})(G D^{-½})ᵀ + (1/n) Σ_g c_g c_gᵀ / δ_g,   c_g = G_g a_g,
///
/// accumulated with one symmetric rank-k update per module (SymmetricProduct.swift) (n²p flops in all) plus one rank-one
/// update per softmax-KL module, then `LAPACKE_dsyevd` on n × n. See Docs/Math.md §26.
/// The modules are accumulated on every core, one contiguous run of modules each.
enum LowRankSpectrumSolver {
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
    _ = try checkGradients(G, n: n, p: p, metric: metric)
    let eps = try metric.resolvedEps(eps)
    let inverses = try metric.preparedInverses(eps: eps)
    let accumulator = accumulate(G: G, n: n, p: p, metric: metric, inverses: inverses)
    let smallest = metric.modules.indices.map { metric.modules[$0].smallestEigenvalue(eps: eps[$0]) }.min() ?? 0
    let (values, u, split) = try decompose(
      accumulator, p: p, eps: eps, moduleSizes: metric.modules.map(\.dimension), smallestEigenvalue: smallest,
      zeroThreshold: zeroThreshold)

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

  /// M = (1/n) G H_ε⁻¹ Gᵀ accumulated module by module (LowRankAccumulator.swift), each
  /// module's columns read in place from G. The modules are split into one contiguous run per
  /// core (balanced by width), each run into its own accumulator, merged in module order: the
  /// result depends on the core count only through float rounding, and not from run to run.
  static func accumulate(
    G: [Double], n: Int, p: Int, metric: JointProximalMetric, inverses: [MetricInverse]
  ) -> LowRankAccumulator {
    let runs = moduleRuns(widths: inverses.map(\.dimension), count: Parallel.workers)
    var parts = [LowRankAccumulator](repeating: LowRankAccumulator(n: n), count: runs.count)
    G.withUnsafeBufferPointer { g in
      parts.withUnsafeMutableBufferPointer { parts in
        // Safe unwrap: G holds n × p ≥ 1 entries (checkGradients ran first).
        let base = g.baseAddress!
        nonisolated(unsafe) let out = parts
        Parallel.forChunks(runs.count, minChunk: 1) { chunk in
          for run in chunk {
            for module in runs[run] {
              out[run].add(
                block: base + metric.range(of: module).lowerBound, width: inverses[module].dimension, rowStride: p,
                inverse: inverses[module], module: module)
            }
          }
        }
      }
    }
    var accumulator = parts[0]
    for part in parts.dropFirst() { accumulator.merge(part) }
    return accumulator
  }

  /// Splits modules 0..<widths.count into at most `count` contiguous runs of about equal total width.
  static func moduleRuns(widths: [Int], count: Int) -> [Range<Int>] {
    let total = widths.reduce(0, +)
    guard count > 1, widths.count > 1, total > 0 else { return [0..<widths.count] }
    var runs: [Range<Int>] = []
    var start = 0, seen = 0
    for (i, w) in widths.enumerated() {
      seen += w
      if seen * count >= total * (runs.count + 1) && runs.count < count - 1 && i + 1 < widths.count {
        runs.append(start..<(i + 1))
        start = i + 1
      }
    }
    runs.append(start..<widths.count)
    return runs
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
