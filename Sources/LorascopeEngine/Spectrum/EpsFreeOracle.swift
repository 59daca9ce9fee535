import COpenBLAS

/// The ε → 0 limit of the finite generalized eigenvalues of one softmax-KL module, a test
/// oracle for the dense and low-rank paths that involves no damping at all (Docs/Design.md §3).
///
/// With D = diag(p), q = √p and M̃ = D^{-½}ΣD^{-½}, the finite ρ tend to the non-zero
/// eigenvalues of the rank-one Schur downdate `M̃ − (M̃q)(M̃q)ᵀ/(qᵀM̃q)` — the free shift
/// direction absorbs the curvature correlated with it — and *not* to those of the naively
/// projected `(I − qqᵀ)M̃(I − qqᵀ)`. With Σ = (1/n)GᵀG this is the n × n matrix
///
///     (1/n) · P G D⁻¹ Gᵀ P,   P = I − ûûᵀ,   û ∝ G·1
///
/// (Docs/Math.md §30, Docs/Design.md §D).
enum EpsFreeOracle {
  /// The non-zero eigenvalues of `(1/n)·P G D⁻¹ Gᵀ P`, descending.
  ///
  /// - Parameters:
  ///   - G: per-example gradients of the module, n × p row-major, without the 1/n.
  ///   - anchorLogits: the module's anchor (p entries); D = diag(softmax(anchorLogits)).
  ///   - zeroThreshold: eigenvalues at or below this fraction of the largest are dropped.
  public static func solve(
    G: [Double], n: Int, p: Int, anchorLogits: [Double],
    zeroThreshold: Double = GeneralizedSpectrum.defaultZeroThreshold
  ) throws -> [Double] {
    let metric = ProximalMetric.softmaxKL(anchorLogits: anchorLogits)
    _ = try checkGradients(G, n: n, p: p, metric: JointProximalMetric(metric))
    let probabilities = ProximalMetric.softmax(anchorLogits)
    if let zero = probabilities.firstIndex(where: { $0 <= 0 }) {
      throw LorascopeError.numerical(
        "ε-free oracle: softmax entry \(zero) underflows to 0, so D = diag(p) is singular")
    }
    // K = G D⁻¹ Gᵀ via the scaled rows B = G D^{-½} and one dsyrk.
    let rootInverse = probabilities.map { 1 / $0.squareRoot() }
    var scaled = G
    var shiftSums = [Double](repeating: 0, count: n)
    for i in 0..<n {
      for j in 0..<p {
        shiftSums[i] += G[i * p + j]
        scaled[i * p + j] *= rootInverse[j]
      }
    }
    var k = SymmetricProduct.gram(scaled, rows: n, columns: p, side: .rows, alpha: 1 / Double(n))
    // P K P = K − û wᵀ − w ûᵀ + (ûᵀw) ûûᵀ with w = K û (P = I when G·1 = 0: no shift).
    let norm = shiftSums.reduce(0) { $0 + $1 * $1 }.squareRoot()
    if norm > 0 {
      let uHat = shiftSums.map { $0 / norm }
      var w = [Double](repeating: 0, count: n)
      for i in 0..<n {
        for j in 0..<n { w[i] += k[i * n + j] * uHat[j] }
      }
      let alpha = zip(uHat, w).reduce(0) { $0 + $1.0 * $1.1 }
      for i in 0..<n {
        for j in 0..<n {
          k[i * n + j] += -uHat[i] * w[j] - w[i] * uHat[j] + alpha * uHat[i] * uHat[j]
        }
      }
    }
    let values = try LAPACK.symmetricEigen(k, n: n).values
    let largest = values.map { abs($0) }.max() ?? 0
    let cutoff = max(zeroThreshold * largest, Double(n) * Double.ulpOfOne * largest)
    return values.filter { $0 > cutoff }.sorted(by: >)
  }
}
