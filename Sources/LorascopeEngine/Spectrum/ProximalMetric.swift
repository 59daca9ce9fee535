import Foundation

/// The metric `H` of one module's proximal term, the quadratic model of its penalty (Docs/Design.md §3).
///
/// Around the anchor every penalty of Docs/Design.md §2 is `½ Δᵀ H Δ`:
/// - `softmaxKL` (PESO): `H = diag(p) − p pᵀ`, `p = softmax(anchor)` over the flattened module.
///   It is singular along the all-ones vector, so the solvers use `H_ε = H + εI`.
/// - `identity` (L2): `H = I` over `dimension` entries.
/// - `diagonal` (EWC): `H = diag F`, the diagonal Fisher of the previous stage.
///
/// Every operation takes the damping `ε` explicitly; `defaultEps(epsRelative:)` gives the
/// scale-aware default. See Docs/Math.md §21, §24.
public enum ProximalMetric: Sendable, Equatable {
  /// PESO: `H = diag(p) − ppᵀ`, `p = softmax(anchorLogits)` (the anchor module, flattened).
  case softmaxKL(anchorLogits: [Double])
  /// L2: `H = I` on a module of `dimension` entries.
  case identity(dimension: Int)
  /// EWC: `H = diag(fisher)`.
  case diagonal([Double])

  /// The default relative damping of Docs/Design.md §3 (`ε = 1e-3/m` for a softmax module).
  public static let defaultEpsRelative = 1e-3

  /// Number of entries `m` of the module.
  public var dimension: Int {
    switch self {
    case .softmaxKL(let logits): return logits.count
    case .identity(let m): return m
    case .diagonal(let f): return f.count
    }
  }

  /// Short name for screens: `softmax-KL`, `identity`, `diagonal`.
  public var kindName: String {
    switch self {
    case .softmaxKL: return "softmax-KL"
    case .identity: return "identity"
    case .diagonal: return "diagonal"
    }
  }

  /// Whether `H` has the free uniform-shift direction (the all-ones vector) of a softmax.
  public var hasShiftDirection: Bool {
    if case .softmaxKL = self { return true }
    return false
  }

  /// `ε` relative to the module's scale (Docs/Design.md §3).
  ///
  /// softmax-KL: `epsRelative / m` (p ≈ 1/m near a uniform anchor, so `ε` stays small
  /// against `H`); identity: 0 (`H = I` is already positive definite); diagonal:
  /// `epsRelative · mean(F)`.
  public func defaultEps(epsRelative: Double = ProximalMetric.defaultEpsRelative) -> Double {
    switch self {
    case .softmaxKL(let logits):
      return logits.isEmpty ? 0 : epsRelative / Double(logits.count)
    case .identity:
      return 0
    case .diagonal(let f):
      return f.isEmpty ? 0 : epsRelative * f.reduce(0, +) / Double(f.count)
    }
  }

  /// The smallest eigenvalue of `H_ε`: ε for softmax-KL (H is PSD with 1 in its null
  /// space), `1 + ε` for identity, `min F + ε` for diagonal. `1/λ_min = ‖H_ε⁻¹‖₂` sets the
  /// rounding floor of the spectrum (ShiftSplit.swift).
  public func smallestEigenvalue(eps: Double) -> Double {
    switch self {
    case .softmaxKL: return eps
    case .identity: return 1 + eps
    case .diagonal(let f): return (f.min() ?? 0) + eps
    }
  }

  /// Checks the entries (finite logits, non-negative finite Fisher, positive size).
  /// `module` names the module in the error message.
  public func validate(module: String = "module") throws {
    switch self {
    case .softmaxKL(let logits):
      guard !logits.isEmpty else {
        throw LorascopeError.invalidConfiguration("\(module): softmax-KL metric has no entries")
      }
      if let bad = logits.firstIndex(where: { !$0.isFinite }) {
        throw LorascopeError.numerical("\(module): anchor logit \(bad) is \(logits[bad])")
      }
    case .identity(let m):
      guard m > 0 else {
        throw LorascopeError.invalidConfiguration("\(module): identity metric of size \(m)")
      }
    case .diagonal(let f):
      guard !f.isEmpty else {
        throw LorascopeError.invalidConfiguration("\(module): diagonal metric has no entries")
      }
      if let bad = f.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
        throw LorascopeError.numerical("\(module): diagonal metric entry \(bad) is \(f[bad])")
      }
    }
  }

  /// The dense `m × m` matrix `H_ε = H + εI`, row-major.
  public func dense(eps: Double) throws -> [Double] {
    try validate()
    try Self.checkEps(eps)
    let m = dimension
    var h = [Double](repeating: 0, count: m * m)
    switch self {
    case .softmaxKL(let logits):
      let p = Self.softmax(logits)
      for i in 0..<m {
        for j in 0..<m { h[i * m + j] = -p[i] * p[j] }
        h[i * m + i] += p[i] + eps
      }
    case .identity:
      for i in 0..<m { h[i * m + i] = 1 + eps }
    case .diagonal(let f):
      for i in 0..<m { h[i * m + i] = f[i] + eps }
    }
    return h
  }

  /// `H_ε v` in O(m).
  public func apply(_ v: [Double], eps: Double) throws -> [Double] {
    try checkVector(v)
    try Self.checkEps(eps)
    var out = v
    v.withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { y in
        applyInPlace(x, into: y, eps: eps)
      }
    }
    return out
  }

  /// `H_ε⁻¹ v` in O(m): exact for identity and diagonal, Sherman–Morrison for softmax-KL.
  ///
  /// Throws `LorascopeError.numerical` when `H_ε` is singular (e.g. softmax-KL or a
  /// diagonal with a zero entry at `ε = 0`).
  public func applyInverse(_ v: [Double], eps: Double) throws -> [Double] {
    try checkVector(v)
    let inverse = try MetricInverse(self, eps: eps, module: "module")
    var out = v
    v.withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { y in
        inverse.apply(x, into: y)
      }
    }
    return out
  }

  /// `softmax(logits)` in Float64 with max-subtraction (no overflow for any finite logits).
  public static func softmax(_ logits: [Double]) -> [Double] {
    guard let top = logits.max() else { return [] }
    var p = logits.map { exp($0 - top) }
    let total = p.reduce(0, +)
    for i in p.indices { p[i] /= total }
    return p
  }

  /// H_ε as diag(d) − a aᵀ (a = p for softmax-KL, empty otherwise), for a product repeated
  /// many times without recomputing the softmax (the λ curve's simulation, Docs/Math.md §45).
  func productFactors(eps: Double) -> (diagonal: [Double], outer: [Double]) {
    switch self {
    case .softmaxKL(let logits):
      let p = Self.softmax(logits)
      return (p.map { $0 + eps }, p)
    case .identity(let m):
      return ([Double](repeating: 1 + eps, count: m), [])
    case .diagonal(let f):
      return (f.map { $0 + eps }, [])
    }
  }

  /// `y = H_ε x` for one module (x and y of length m; they may not alias).
  func applyInPlace(
    _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, eps: Double
  ) {
    switch self {
    case .softmaxKL(let logits):
      let p = Self.softmax(logits)
      var pDotX = 0.0
      for i in 0..<x.count { pDotX += p[i] * x[i] }
      for i in 0..<x.count { y[i] = (p[i] + eps) * x[i] - p[i] * pDotX }
    case .identity:
      for i in 0..<x.count { y[i] = (1 + eps) * x[i] }
    case .diagonal(let f):
      for i in 0..<x.count { y[i] = (f[i] + eps) * x[i] }
    }
  }

  private func checkVector(_ v: [Double]) throws {
    try validate()
    guard v.count == dimension else {
      throw LorascopeError.invalidConfiguration(
        "vector has \(v.count) entries, the \(kindName) metric has \(dimension)")
    }
  }

  static func checkEps(_ eps: Double, module: String = "module") throws {
    guard eps.isFinite, eps >= 0 else {
      throw LorascopeError.invalidConfiguration(
        "\(module): damping ε = \(eps) must be finite and ≥ 0")
    }
  }
}
