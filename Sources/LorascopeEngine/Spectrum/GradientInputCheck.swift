/// The input check shared by the solvers: sizes agree and every gradient entry is finite.
///
/// Returns ‖G‖²_F (n · tr Σ), computed in the same pass, which sets the rounding floor of
/// the spectrum (ShiftSplit.swift). One pass over G matters: for the joint tiny model G is
/// 128 × 78,080 doubles (80 MB).
@discardableResult
func checkGradients(_ G: [Double], n: Int, p: Int, metric: JointProximalMetric) throws -> Double {
  guard n > 0, p > 0 else {
    throw LorascopeError.invalidConfiguration("spectrum: n = \(n) examples, p = \(p) parameters")
  }
  guard p == metric.dimension else {
    throw LorascopeError.invalidConfiguration(
      "spectrum: p = \(p) but the metric covers \(metric.dimension) parameters")
  }
  guard G.count == n * p else {
    throw LorascopeError.invalidConfiguration(
      "spectrum: G has \(G.count) entries, expected n × p = \(n) × \(p)")
  }
  let squaredNorm = G.withUnsafeBufferPointer { g in
    var sum = 0.0
    for value in g { sum += value * value }
    return sum
  }
  if squaredNorm.isFinite { return squaredNorm }
  if let bad = G.firstIndex(where: { !$0.isFinite }) {
    throw LorascopeError.numerical(
      "spectrum: gradient of example \(bad / p), parameter \(bad % p) is \(G[bad])")
  }
  throw LorascopeError.numerical("spectrum: the gradients are too large (‖G‖² overflows)")
}
