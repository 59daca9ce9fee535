/// The generalized eigenvalues ρ_k of (Σ, H_ε), split the way Docs/Design.md §3 asks them shown.
///
/// `Σ q_k = ρ_k H_ε q_k` with `Σ = (1/n)GᵀG`. The eigenvalues fall in three groups:
/// - `rho`: the finite part, descending — the eigenvalues of the data directions and the
///   zero cluster. The dense path stores `p − shiftRho.count` values, the low-rank path
///   `n − shiftRho.count` (the other `p − n` are exactly 0 and only counted).
/// - `shiftRho`: the uniform-shift directions of softmax-KL modules, whose ρ grows like
///   1/ε (one per module whose gradients have a non-zero sum). They are a by-product of
///   the damping, not of the data, and must never share an axis with `rho`.
/// - the zero cluster (`gaugeCount`): ρ at or below `zeroCutoff`, i.e. the LoRA gauge
///   (A, B) → (SA, BS⁻¹) and the `p − rank Σ` directions no probe example moves.
///
/// Weights for any λ_eff come from the cached ρ without another solve (see
/// GeneralizedSpectrum+Weights.swift). See Docs/Math.md Part IV for the derivations.
public struct GeneralizedSpectrum: Sendable {
  /// Which solver produced the spectrum.
  public enum Method: String, Sendable, Codable {
    /// `LAPACKE_dsygvd` on the p × p pencil.
    case dense
    /// `LAPACKE_dsyevd` on the n × n matrix `(1/n) G H_ε⁻¹ Gᵀ`.
    case lowRank
  }

  /// The default relative threshold of the zero cluster: ρ ≤ 1e-9 · max(rho) counts as 0.
  public static let defaultZeroThreshold = 1e-9

  /// Finite eigenvalues, descending, clamped at 0 (Σ is PSD and H_ε PD, so a negative
  /// value is rounding).
  public let rho: [Double]
  /// `q_k` for the first `directions.count` entries of `rho`, each of length p, normalized
  /// so that `q_kᵀ H_ε q_j = δ_kj`. Nil unless requested.
  public let directions: [[Double]]?
  /// The ρ ~ 1/ε eigenvalues of the softmax-KL shift directions, descending.
  public let shiftRho: [Double]
  /// Size of the zero cluster (gauge and null directions), including the `p − n`
  /// directions the low-rank path never forms.
  public let gaugeCount: Int
  /// For every entry of `rho`, its shift fraction f_k ∈ [0, 1] (ShiftSplit.swift): the
  /// squared H_ε-cosine between q_k and the modules' uniform-shift directions. Clean data
  /// directions have f ≈ 0. A value well above 0 means a shift whose ρ ~ 1/ε was not large
  /// enough to stand apart at this ε and mixed into the data spectrum: lower ε to separate it.
  public let shiftFraction: [Double]
  /// The damping used, one per module.
  public let eps: [Double]
  /// The solver that produced this spectrum.
  public let method: Method
  /// Number of parameters p.
  public let dimension: Int
  /// Number of probe examples n.
  public let sampleCount: Int
  /// ρ at or below this value belongs to the zero cluster.
  public let zeroCutoff: Double

  /// The memberwise initializer; the solvers build spectra through `classify`.
  public init(
    rho: [Double], directions: [[Double]]?, shiftRho: [Double], gaugeCount: Int,
    shiftFraction: [Double], eps: [Double], method: Method, dimension: Int, sampleCount: Int,
    zeroCutoff: Double
  ) {
    self.rho = rho
    self.directions = directions
    self.shiftRho = shiftRho
    self.gaugeCount = gaugeCount
    self.shiftFraction = shiftFraction
    self.eps = eps
    self.method = method
    self.dimension = dimension
    self.sampleCount = sampleCount
    self.zeroCutoff = zeroCutoff
  }

  /// The total shift fraction of the non-zero entries of `rho`: ≈ 0 when every module's
  /// shift stands apart, larger when a shift is mixed into the data spectrum (see
  /// `shiftFraction`). The zero cluster is left out: a shift with ρ = 0 is harmless (w = 0).
  public var unresolvedShift: Double {
    zip(rho, shiftFraction).reduce(0) { $0 + ($1.0 > zeroCutoff ? $1.1 : 0) }
  }

  /// The finite eigenvalues above the zero cluster (what a log-scale plot shows).
  public var nonZeroRho: [Double] { rho.filter { $0 > zeroCutoff } }

  /// The H_ε-coordinates `c_k = q_kᵀ H_ε Δ` of a displacement Δ along the stored directions.
  ///
  /// Because `q_kᵀ H_ε q_j = δ_kj`, `c_k` is the component of Δ along `q_k`.
  public func coefficients(of displacement: [Double], metric: JointProximalMetric) throws
    -> [Double]
  {
    try coefficients(of: displacement, metric: metric, along: Array(0..<(directions?.count ?? 0)))
  }

  /// `c_k` for the stored directions `indices` only, in their order (one H_ε product in all).
  public func coefficients(of displacement: [Double], metric: JointProximalMetric, along indices: [Int]) throws
    -> [Double]
  {
    guard let directions else {
      throw LorascopeError.invalidConfiguration(
        "spectrum: no directions stored (solve with directionCount > 0)")
    }
    guard indices.allSatisfy({ directions.indices.contains($0) }) else {
      throw LorascopeError.invalidConfiguration(
        "spectrum: a direction index is outside the \(directions.count) stored directions")
    }
    let hDelta = try metric.apply(displacement, eps: eps)
    return indices.map { k in
      let q = directions[k]
      var sum = 0.0
      for i in q.indices { sum += q[i] * hDelta[i] }
      return sum
    }
  }
}
