/// The n × n matrix `M = (1/n) G H_ε⁻¹ Gᵀ` of the low-rank path (LowRankSpectrumSolver.swift;
/// Docs/Math.md §26), accumulated one module at a time: H_ε is block-diagonal, so
///
///     M = Σ_g (1/n) (G_g D_g^{-½})(G_g D_g^{-½})ᵀ + (1/n) c_g c_gᵀ / δ_g,   c_g = G_g a_g,
///
/// and each module's n × m_g block of G is needed only while it is added. The in-memory
/// solver feeds it blocks cut from G; the streamed solver (StreamedSpectrumSolver in
/// GradientFiles.swift) feeds it blocks read from gradient files, so memory stays
/// O(n² + n · max m_g) whatever p is.
struct LowRankAccumulator {
  let n: Int
  /// Upper triangle of Σ_g (1/n) B_g B_gᵀ (row-major n × n).
  private var upper: [Double]
  private var rankOne: [(vector: [Double], denominator: Double)] = []
  /// `s_g = G_g 1_g` per softmax-KL module, for the shift fractions.
  private(set) var shiftSums: [(Int, [Double])] = []
  /// ‖G‖²_F over the modules added (the rounding scale of ShiftSplit).
  private(set) var squaredNorm = 0.0
  private var scaled: [Double] = []

  init(n: Int) {
    self.n = n
    upper = [Double](repeating: 0, count: n * n)
  }

  /// Adds module `module` whose raw gradients are `block` (n × width, row-major, no 1/n).
  mutating func add(block: UnsafeBufferPointer<Double>, width: Int, inverse: MetricInverse, module: Int) {
    // Safe unwrap: the callers pass an n × width buffer, never an empty one (width ≥ 1, n ≥ 1).
    add(block: block.baseAddress!, width: width, rowStride: width, inverse: inverse, module: module)
  }

  /// Adds module `module` whose raw gradients are the n × width block at `block` with rows
  /// `rowStride` apart (a column range of the whole n × p G, read in place). One pass over the
  /// block forms the scaled copy G_g D_g^{-½}, ‖G_g‖², c_g and s_g.
  mutating func add(
    block: UnsafePointer<Double>, width: Int, rowStride: Int, inverse: MetricInverse, module: Int
  ) {
    let n = self.n
    if scaled.count < n * width { scaled = [Double](repeating: 0, count: n * width) }
    let rootInverse = inverse.inverseDiagonal.map { $0.squareRoot() }
    let a = inverse.rankOneVector
    var c = [Double](repeating: 0, count: a.isEmpty ? 0 : n)
    var s = [Double](repeating: 0, count: a.isEmpty ? 0 : n)
    var norm = 0.0
    scaled.withUnsafeMutableBufferPointer { b in
      rootInverse.withUnsafeBufferPointer { root in
        a.withUnsafeBufferPointer { a in
          for i in 0..<n {
            let source = block + i * rowStride, row = i * width
            var dot = 0.0, sum = 0.0
            for j in 0..<width {
              let g = source[j]
              norm += g * g
              b[row + j] = g * root[j]
              if !a.isEmpty {
                dot += a[j] * g
                sum += g
              }
            }
            if !a.isEmpty {
              c[i] = dot
              s[i] = sum
            }
          }
        }
      }
      upper.withUnsafeMutableBufferPointer { mm in
        SymmetricProduct.accumulateUpper(
          UnsafeBufferPointer(rebasing: b[0..<(n * width)]), rows: n, columns: width, side: .rows,
          alpha: 1 / Double(n), beta: 1, into: mm)
      }
    }
    squaredNorm += norm
    if !a.isEmpty {
      rankOne.append((c, inverse.denominator))
      shiftSums.append((module, s))
    }
  }

  /// Adds what `other` accumulated over modules that all come after this one's, so the
  /// rank-one terms stay in module order.
  mutating func merge(_ other: LowRankAccumulator) {
    precondition(other.n == n, "accumulators of different n")
    for i in 0..<(n * n) { upper[i] += other.upper[i] }
    rankOne += other.rankOne
    shiftSums += other.shiftSums
    squaredNorm += other.squaredNorm
  }

  /// The full symmetric M: the syrk part plus every rank-one term.
  func matrix() -> [Double] {
    var m = upper
    let invN = 1 / Double(n)
    for (c, delta) in rankOne {
      let scale = invN / delta
      for i in 0..<n {
        for j in i..<n { m[i * n + j] += scale * c[i] * c[j] }
      }
    }
    SymmetricProduct.mirrorUpper(&m, size: n)
    return m
  }
}

extension LowRankSpectrumSolver {
  /// Eigen-decomposes M and splits its eigenvalues into finite, shift and zero-cluster groups
  /// (ShiftSplit.swift). `moduleSizes[g]` is m_g; `smallestEigenvalue` is min_g λ_min(H_ε,g).
  static func decompose(
    _ accumulator: LowRankAccumulator, p: Int, eps: [Double], moduleSizes: [Int], smallestEigenvalue: Double,
    zeroThreshold: Double
  ) throws -> (values: [Double], vectors: [Double], split: ShiftSplit) {
    let n = accumulator.n
    let (values, u) = try LAPACK.symmetricEigen(accumulator.matrix(), n: n)
    // f_k = Σ_g (s_gᵀ u_k)² / (n ε_g m_g ρ_k), s_g = G_g 1_g: the shift fraction of
    // ShiftSplit.swift, using 1_gᵀ H_ε⁻¹ = 1_gᵀ / ε_g on a softmax-KL block.
    var shiftFraction = [Double](repeating: 0, count: n)
    for (g, sums) in accumulator.shiftSums {
      let scale = 1 / (Double(n) * eps[g] * Double(moduleSizes[g]))
      for k in 0..<n where values[k] > 0 {
        var dot = 0.0
        for i in 0..<n { dot += sums[i] * u[i * n + k] }
        shiftFraction[k] += scale * dot * dot / values[k]
      }
    }
    let trace = accumulator.squaredNorm / Double(n)
    let split = ShiftSplit(
      values: values, shiftFraction: shiftFraction, problemSize: n,
      roundingScale: smallestEigenvalue > 0 ? trace / smallestEigenvalue : 0,
      relativeThreshold: zeroThreshold, parameterCount: p)
    return (values, u, split)
  }
}
