/// Eigenvalues of the softmax-KL metric `H = diag(q) − q qᵀ` (q a probability vector) without a
/// dense solve (Docs/Math.md §27 for H; issue 13 for the use).
///
/// H is a diagonal minus a rank-one matrix, so its eigenvalues are the roots of the secular
/// equation
///
///     f(λ) = 1 − Σ_i q_i² / (q_i − λ) = 0,
///
/// after deflation: a value d shared by k entries of q is an eigenvalue k − 1 times (its
/// eigenvectors are differences of those entries' unit vectors), and the equation runs over
/// the distinct values d_j with weights k_j d_j². f falls monotonically from +∞ to −∞ between
/// consecutive poles, so there is exactly one root in each gap (d_j, d_{j+1}), found by
/// bisection to full precision; the remaining root is 0 (H·1 = q − q Σq = 0). The eigenvalues
/// interlace with q: 0 ≤ λ_1 ≤ q_(1) ≤ λ_2 ≤ … ≤ q_(m). Each root costs O(D) per bisection
/// step (D distinct values), so the extremes are cheap even for m = 16,384.
struct SoftmaxHessianSpectrum: Sendable {
  /// Distinct values of q ascending, with their multiplicities.
  let distinct: [Double]
  let multiplicity: [Int]

  /// q must be a probability vector (non-negative, summing to 1 up to rounding).
  public init(probabilities q: [Double]) {
    let sorted = q.sorted()
    var values: [Double] = []
    var counts: [Int] = []
    for v in sorted {
      if let last = values.last, last == v { counts[counts.count - 1] += 1 } else {
        values.append(v)
        counts.append(1)
      }
    }
    distinct = values
    multiplicity = counts
  }

  /// Number of eigenvalues m.
  public var dimension: Int { multiplicity.reduce(0, +) }

  /// The root of the secular equation in the gap (d_j, d_{j+1}).
  public func root(inGap j: Int) -> Double {
    let lower = distinct[j]
    let width = distinct[j + 1] - lower
    // Work in τ = λ − d_j so that the differences d_i − λ = (d_i − d_j) − τ lose no digits.
    var low = 0.0
    var high = width
    for _ in 0..<200 {
      let tau = 0.5 * (low + high)
      guard tau > low, tau < high else { break }
      var sum = 0.0
      for i in distinct.indices {
        let d = distinct[i]
        sum += Double(multiplicity[i]) * d * d / ((d - lower) - tau)
      }
      if 1 - sum > 0 { low = tau } else { high = tau }
    }
    return lower + 0.5 * (low + high)
  }

  /// The largest eigenvalue (‖H‖₂), in [q_(m−1), q_(m)]; q_(m) itself when the largest value repeats.
  public var largest: Double {
    guard let top = multiplicity.last else { return 0 }
    if top > 1 { return distinct[distinct.count - 1] }
    return distinct.count >= 2 ? root(inGap: distinct.count - 2) : 0
  }

  /// The smallest non-zero eigenvalue (0 is always one, along the all-ones direction):
  /// q_(1) when the smallest value repeats, else the root in the first gap.
  public var smallestPositive: Double {
    guard let first = multiplicity.first else { return 0 }
    if first > 1 { return distinct[0] }
    return distinct.count >= 2 ? root(inGap: 0) : 0
  }

  /// Every eigenvalue, ascending (O(D²) work: for small modules and tests).
  public func all() -> [Double] {
    var values = [0.0]
    for (d, k) in zip(distinct, multiplicity) where k > 1 {
      values += [Double](repeating: d, count: k - 1)
    }
    if distinct.count >= 2 {
      for j in 0..<(distinct.count - 1) { values.append(root(inGap: j)) }
    }
    return values.sorted()
  }
}
