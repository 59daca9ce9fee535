/// `H_ε⁻¹` of one module, prepared once so it can be applied to many vectors in O(m) each.
///
/// Every case is `H_ε⁻¹ = D⁻¹ + (D⁻¹p)(D⁻¹p)ᵀ / δ` with a diagonal `D`:
/// - softmax-KL: `D = diag(p) + εI`, and Sherman–Morrison gives the rank-one term with
///   `δ = 1 − pᵀD⁻¹p`, computed as `Σ pᵢ ε/(pᵢ + ε)` (equal since `Σ pᵢ = 1`) so that
///   no cancellation occurs when `ε ≪ pᵢ` (Docs/Design.md §3; Docs/Math.md §27);
/// - identity and diagonal: `D = H + εI` and no rank-one term.
struct MetricInverse: Sendable {
  /// `1 / Dᵢᵢ`.
  let inverseDiagonal: [Double]
  /// `D⁻¹p` for softmax-KL, empty otherwise.
  let rankOneVector: [Double]
  /// `δ = 1 − pᵀD⁻¹p` for softmax-KL (0 when there is no rank-one term).
  let denominator: Double

  init(_ metric: ProximalMetric, eps: Double, module: String) throws {
    try metric.validate(module: module)
    try ProximalMetric.checkEps(eps, module: module)
    switch metric {
    case .softmaxKL(let logits):
      let p = ProximalMetric.softmax(logits)
      guard eps > 0 else {
        throw LorascopeError.numerical(
          "\(module): the softmax-KL metric is singular along the all-ones direction; use ε > 0")
      }
      inverseDiagonal = p.map { 1 / ($0 + eps) }
      rankOneVector = p.map { $0 / ($0 + eps) }
      denominator = p.reduce(0) { $0 + $1 * eps / ($1 + eps) }
    case .identity(let m):
      inverseDiagonal = [Double](repeating: 1 / (1 + eps), count: m)
      rankOneVector = []
      denominator = 0
    case .diagonal(let f):
      if let zero = f.firstIndex(where: { $0 + eps <= 0 }) {
        throw LorascopeError.numerical(
          "\(module): diagonal metric entry \(zero) is 0 and ε = 0, so H_ε is singular")
      }
      inverseDiagonal = f.map { 1 / ($0 + eps) }
      rankOneVector = []
      denominator = 0
    }
    if let bad = inverseDiagonal.firstIndex(where: { !$0.isFinite }) {
      throw LorascopeError.numerical("\(module): H_ε entry \(bad) is too small to invert")
    }
  }

  /// Number of entries of the module.
  var dimension: Int { inverseDiagonal.count }

  /// `y = H_ε⁻¹ x` (x and y of length m, not aliased).
  func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
    let m = inverseDiagonal.count
    inverseDiagonal.withUnsafeBufferPointer { dInv in
      for i in 0..<m { y[i] = dInv[i] * x[i] }
    }
    guard !rankOneVector.isEmpty else { return }
    rankOneVector.withUnsafeBufferPointer { a in
      var aDotX = 0.0
      for i in 0..<m { aDotX += a[i] * x[i] }
      let scale = aDotX / denominator
      for i in 0..<m { y[i] += scale * a[i] }
    }
  }
}
