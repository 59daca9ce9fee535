/// The block-diagonal metric of several modules taken jointly (Docs/Design.md §3, "for all modules jointly").
///
/// Module `g` occupies the entries `moduleOffsets[g] ..< moduleOffsets[g + 1]` of the joint
/// parameter vector, in the order the modules were given (which must be the column order of
/// the per-example gradient matrix G). The penalty is a sum over modules, so `H` is
/// block-diagonal and every operation works block by block.
public struct JointProximalMetric: Sendable, Equatable {
  /// One metric per module, in parameter order.
  public let modules: [ProximalMetric]
  /// Start of every module in the joint vector, plus the total dimension at the end
  /// (`modules.count + 1` entries, starting at 0).
  public let moduleOffsets: [Int]
  /// Optional names (e.g. PEFT module names) used in error messages and screens.
  public let names: [String]

  /// Builds the joint metric; throws if a module is empty or has a bad entry.
  public init(modules: [ProximalMetric], names: [String]? = nil) throws {
    guard !modules.isEmpty else {
      throw LorascopeError.invalidConfiguration("joint metric: no modules")
    }
    if let names, names.count != modules.count {
      throw LorascopeError.invalidConfiguration(
        "joint metric: \(names.count) names for \(modules.count) modules")
    }
    let labels = names ?? modules.indices.map { "module \($0)" }
    var offsets = [0]
    for (g, metric) in modules.enumerated() {
      try metric.validate(module: labels[g])
      offsets.append(offsets[g] + metric.dimension)
    }
    self.modules = modules
    self.moduleOffsets = offsets
    self.names = labels
  }

  /// The single-module case.
  public init(_ metric: ProximalMetric) throws {
    try self.init(modules: [metric])
  }

  /// Total number of parameters `p`.
  public var dimension: Int { moduleOffsets[moduleOffsets.count - 1] }

  /// The range of module `g` in the joint vector.
  public func range(of g: Int) -> Range<Int> { moduleOffsets[g]..<moduleOffsets[g + 1] }

  /// The per-module default damping (see `ProximalMetric.defaultEps(epsRelative:)`).
  public func defaultEps(epsRelative: Double = ProximalMetric.defaultEpsRelative) -> [Double] {
    modules.map { $0.defaultEps(epsRelative: epsRelative) }
  }

  /// Returns `eps` checked, or the defaults when it is nil.
  public func resolvedEps(_ eps: [Double]?) throws -> [Double] {
    guard let eps else { return defaultEps() }
    guard eps.count == modules.count else {
      throw LorascopeError.invalidConfiguration(
        "joint metric: \(eps.count) damping values for \(modules.count) modules")
    }
    for (g, e) in eps.enumerated() { try ProximalMetric.checkEps(e, module: names[g]) }
    return eps
  }

  /// The dense `p × p` block-diagonal `H_ε`, row-major (for the dense path and tests).
  public func dense(eps: [Double]) throws -> [Double] {
    let eps = try resolvedEps(eps)
    let p = dimension
    var h = [Double](repeating: 0, count: p * p)
    for (g, metric) in modules.enumerated() {
      let block = try metric.dense(eps: eps[g])
      let r = range(of: g)
      let m = r.count
      for i in 0..<m {
        for j in 0..<m { h[(r.lowerBound + i) * p + r.lowerBound + j] = block[i * m + j] }
      }
    }
    return h
  }

  /// `H_ε v` block by block, O(p).
  public func apply(_ v: [Double], eps: [Double]) throws -> [Double] {
    let eps = try resolvedEps(eps)
    try checkVector(v)
    var out = v
    v.withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { y in
        for (g, metric) in modules.enumerated() {
          let r = range(of: g)
          metric.applyInPlace(
            UnsafeBufferPointer(rebasing: x[r]), into: UnsafeMutableBufferPointer(rebasing: y[r]),
            eps: eps[g])
        }
      }
    }
    return out
  }

  /// ‖Δ‖_H = √(Σ_g Δ_gᵀ H_g Δ_g) with ε = 0: the displacement a race reports (Docs/Design.md §3)
  /// and the λ curve predicts (Docs/Math.md §45), computed in one place for both.
  func norm(_ delta: [Double]) throws -> Double {
    let h = try apply(delta, eps: [Double](repeating: 0, count: modules.count))
    return max(zip(delta, h).reduce(0) { $0 + $1.0 * $1.1 }, 0).squareRoot()
  }

  /// `H_ε⁻¹ v` block by block, O(p) (Sherman–Morrison on softmax-KL blocks).
  public func applyInverse(_ v: [Double], eps: [Double]) throws -> [Double] {
    let inverses = try preparedInverses(eps: eps)
    try checkVector(v)
    var out = v
    v.withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { y in
        for (g, inverse) in inverses.enumerated() {
          let r = range(of: g)
          inverse.apply(
            UnsafeBufferPointer(rebasing: x[r]), into: UnsafeMutableBufferPointer(rebasing: y[r]))
        }
      }
    }
    return out
  }

  /// The per-module `H_ε⁻¹`, prepared once for many applications.
  func preparedInverses(eps: [Double]) throws -> [MetricInverse] {
    let eps = try resolvedEps(eps)
    return try modules.indices.map {
      try MetricInverse(modules[$0], eps: eps[$0], module: names[$0])
    }
  }

  private func checkVector(_ v: [Double]) throws {
    guard v.count == dimension else {
      throw LorascopeError.invalidConfiguration(
        "vector has \(v.count) entries, the joint metric has \(dimension)")
    }
  }
}
