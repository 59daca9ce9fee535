/// Splits raw eigenpairs into finite, shift and zero-cluster groups (Docs/Design.md §3).
///
/// The rule for the shift directions (Docs/Math.md §28): every softmax-KL module g
/// has the H_ε-unit shift vector `e_g = 1_g / √(ε_g m_g)` (since `H_ε 1_g = ε_g 1_g`). The
/// `e_g` are H_ε-orthonormal, so for an H_ε-normalized eigenvector q_k the *shift fraction*
///
///     f_k = Σ_g ⟨e_g, q_k⟩²_{H_ε} = Σ_g ε_g (1_gᵀ q_k)² / m_g   ∈ [0, 1]
///
/// is the squared H_ε-cosine between q_k and the null space of H. A shift direction has
/// f ≈ 1; a finite direction has f = O(ε), because q_k stays bounded as ε → 0. The rule is
/// f_k > ½ — it depends on neither the size of ρ nor a second solve, so it holds even when
/// one module's shift ρ sits below another module's data ρ. When a shift ρ is comparable
/// to data ρ that share its part of the row space of G (a module whose gradients nearly
/// sum to zero), the two genuinely mix at this ε: no eigenvector has f > ½, nothing is
/// claimed as a shift, and the mixed directions keep their f in `shiftFraction` so a screen
/// can flag them (a smaller ε separates them again, since the shift ρ grows like 1/ε).
///
/// The zero cluster is every non-shift ρ at or below
/// `max(relativeThreshold · max finite ρ, floor)` with the rounding floor
/// `floor = N · ulp · max(max ρ, tr Σ · ‖H_ε⁻¹‖₂)`: the reduced matrix (L⁻¹ΣL⁻ᵀ for dsygvd,
/// G H_ε⁻¹ Gᵀ/n for the low-rank path) is formed with entry errors of order
/// ulp · ‖Σ‖ · ‖H_ε⁻¹‖ ≤ ulp · tr Σ / λ_min(H_ε), and a backward-stable N × N eigen-solver
/// adds N · ulp · (its largest eigenvalue, possibly a 1/ε shift). A shift candidate below
/// that floor belongs to a module whose gradients sum to zero (1_g is then a true ρ = 0
/// direction) and goes to the zero cluster too.
struct ShiftSplit {
  /// Finite ρ, descending, clamped at 0.
  var rho: [Double] = []
  /// Index (into the solver's eigenpairs) of every entry of `rho`.
  var rhoIndex: [Int] = []
  /// f_k of every entry of `rho`.
  var shiftFraction: [Double] = []
  /// Shift ρ, descending.
  var shiftRho: [Double] = []
  /// ρ at or below this belongs to the zero cluster.
  var zeroCutoff: Double = 0
  /// Number of entries of `rho` in the zero cluster.
  var zeroCount: Int = 0

  /// - Parameters:
  ///   - values: the eigenvalues as returned by LAPACK (any order).
  ///   - shiftFraction: f_k for every eigenvalue (0 when no module is softmax-KL).
  ///   - problemSize: N of the eigenproblem that was solved (p dense, n low-rank).
  ///   - roundingScale: `tr Σ · ‖H_ε⁻¹‖₂` (see `roundingScale(squaredNorm:n:metric:eps:)`).
  ///   - relativeThreshold: the relative zero threshold.
  ///   - parameterCount: p; at most `p − shifts` finite values are kept (when n > p the
  ///     low-rank matrix has n − p extra zeros that are not directions of the parameters).
  init(
    values: [Double], shiftFraction: [Double], problemSize: Int, roundingScale: Double,
    relativeThreshold: Double, parameterCount: Int
  ) {
    let largest = values.map { abs($0) }.max() ?? 0
    let roundingFloor = Double(problemSize) * Double.ulpOfOne * max(largest, roundingScale)
    let order = values.indices.sorted { values[$0] > values[$1] }
    var candidates: [Int] = []
    var finite: [Int] = []
    for k in order {
      if shiftFraction[k] > 0.5 && values[k] > roundingFloor {
        candidates.append(k)
      } else {
        finite.append(k)
      }
    }
    let largestFinite = finite.first.map { max(values[$0], 0) } ?? 0
    zeroCutoff = max(relativeThreshold * largestFinite, roundingFloor)
    shiftRho = candidates.map { values[$0] }
    finite = Array(finite.prefix(max(parameterCount - candidates.count, 0)))
    rhoIndex = finite
    rho = finite.map { max(values[$0], 0) }
    self.shiftFraction = finite.map { min(max(shiftFraction[$0], 0), 1) }
    zeroCount = rho.filter { $0 <= zeroCutoff }.count
  }

  /// The split of a solver's eigenpairs with the rounding floor of `roundingScale`: the
  /// one call both solvers make (`problemSize` p dense, n low-rank).
  init(
    values: [Double], shiftFraction: [Double], problemSize: Int, squaredNorm: Double, sampleCount n: Int,
    metric: JointProximalMetric, eps: [Double], relativeThreshold: Double
  ) {
    self.init(
      values: values, shiftFraction: shiftFraction, problemSize: problemSize,
      roundingScale: ShiftSplit.roundingScale(squaredNorm: squaredNorm, n: n, metric: metric, eps: eps),
      relativeThreshold: relativeThreshold, parameterCount: metric.dimension)
  }

  /// The spectrum this split describes (the result frame both solvers share). `implicitZeros`
  /// counts zero-cluster directions the solver never formed (p − n on the low-rank path).
  func spectrum(
    directions: [[Double]]?, eps: [Double], method: GeneralizedSpectrum.Method, sampleCount: Int,
    parameterCount p: Int, implicitZeros: Int = 0
  ) -> GeneralizedSpectrum {
    GeneralizedSpectrum(
      rho: rho, directions: directions, shiftRho: shiftRho, gaugeCount: zeroCount + implicitZeros,
      shiftFraction: shiftFraction, eps: eps, method: method, dimension: p, sampleCount: sampleCount,
      zeroCutoff: zeroCutoff)
  }

  /// `tr Σ · ‖H_ε⁻¹‖₂ = (‖G‖²_F / n) / min_g λ_min(H_ε,g)`, the scale of the rounding errors
  /// in the reduced matrix (0 when H_ε is singular: the solve then fails or is meaningless).
  static func roundingScale(
    squaredNorm: Double, n: Int, metric: JointProximalMetric, eps: [Double]
  ) -> Double {
    let trace = squaredNorm / Double(n)
    let smallest =
      metric.modules.indices.map {
        metric.modules[$0].smallestEigenvalue(eps: eps[$0])
      }.min() ?? 0
    return smallest > 0 ? trace / smallest : 0
  }
}
