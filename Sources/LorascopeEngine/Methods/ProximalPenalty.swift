import Foundation

/// The proximal term of Docs/Design.md §2 that anchors the adapter v to its previous state v_{t−1}:
///
///     λ · (1/|L|) · Σ_g P_g(v^(g), v_{t−1}^(g))
///
/// summed over every module g (each A and each B), with |L| the number of adapted linears
/// (the normalization of the paper's released code). One type serves every method; the
/// kind picks P_g.
public struct ProximalPenalty: AdapterPenalty, AnchorMetric {
  public enum Kind: String, Codable, Sendable {
    /// PESO: KL(softmax(v) ‖ softmax(v_prev)), softmax over the flattened module.
    case softmaxKL
    /// ½‖v − v_prev‖² (the H = I case of the theory).
    case l2
    /// ½ Σ F_i Δ_i² with a diagonal Fisher F from the end of the previous stage.
    case diagonalFisher
  }

  public let kind: Kind
  public let layout: LoRALayout
  /// v_{t−1}, the anchor, in the adapter's layout.
  public let anchor: [Float]
  /// For softmaxKL: log softmax(v_prev) per module, in Float64 (the anchor side of the KL).
  let anchorLogSoftmax: [Double]
  /// For diagonalFisher: F in the adapter's layout.
  public let fisher: [Float]?
  /// The softmax-KL's arithmetic: exact, or the released code's bf16 (the other kinds are
  /// always exact).
  public let precision: PenaltyPrecision

  public init(
    kind: Kind, layout: LoRALayout, anchor: FloatBuffer, fisher: [Float]? = nil, precision: PenaltyPrecision = .exact
  ) {
    precondition(anchor.count == layout.count)
    precondition(kind != .diagonalFisher || fisher?.count == layout.count, "EWC needs a Fisher diagonal")
    self.kind = kind
    self.layout = layout
    self.anchor = anchor.array
    self.fisher = fisher
    self.precision = precision
    var logQ = [Double](repeating: 0, count: kind == .softmaxKL ? layout.count : 0)
    if kind == .softmaxKL {
      for m in layout.modules {
        ProximalPenalty.logSoftmax(anchor.pointer(m.offset), m.count, into: &logQ, at: m.offset)
      }
    }
    anchorLogSoftmax = logQ
  }

  /// Returns P_g for every module (in `layout.modules` order) and, when `gradient` is given,
  /// adds λ_eff · ∂P_g/∂v into it (λ_eff from `strength`).
  ///
  /// PESO gradient, with p = softmax(v), l = log p − log q:  ∂KL/∂v_j = p_j (l_j − Σ_i p_i l_i).
  @discardableResult
  public func evaluate(_ v: FloatBuffer, strength: ProximalStrength, gradient: FloatBuffer? = nil) -> [Double] {
    let w = Float(strength.effective)
    if kind == .softmaxKL && precision == .exact { return exactSoftmaxKL(v, weight: w, gradient: gradient) }
    var values = [Double](repeating: 0, count: layout.modules.count)
    for (gi, m) in layout.modules.enumerated() {
      let x = v.pointer(m.offset)
      switch kind {
      case .softmaxKL:
        let anchorValues = anchor[m.offset..<(m.offset + m.count)]
        let (kl, g) = anchorValues.withUnsafeBufferPointer { prev in
          BFloat16SoftmaxKL.evaluate(
            current: UnsafeBufferPointer(start: x, count: m.count), previous: prev, gradient: gradient != nil && w != 0)
        }
        values[gi] = Double(kl)
        if let gradient, let g {
          let dst = gradient.pointer(m.offset)
          for j in 0..<m.count { dst[j] += w * g[j] }
        }
      case .l2, .diagonalFisher:
        var sum = 0.0
        for j in 0..<m.count {
          let d = Double(x[j] - anchor[m.offset + j])
          // `fisher` is non-nil for .diagonalFisher: the initializer's precondition checks it.
          let f = kind == .l2 ? 1.0 : Double(fisher![m.offset + j])
          sum += 0.5 * f * d * d
          if let g = gradient, w != 0 { g[m.offset + j] += w * Float(f * d) }
        }
        values[gi] = sum
      }
    }
    return values
  }

  /// PESO's term in Float64, module by module: the modules are independent (each writes its
  /// own value and its own slice of the gradient), so they split over the cores by size.
  private func exactSoftmaxKL(_ v: FloatBuffer, weight w: Float, gradient: FloatBuffer?) -> [Double] {
    let modules = layout.modules
    var values = [Double](repeating: 0, count: modules.count)
    values.withUnsafeMutableBufferPointer { values in
      anchorLogSoftmax.withUnsafeBufferPointer { logQ in
        Parallel.forChunks(balancing: modules.map(\.count)) { range in
          var logP: [Double] = [], p: [Double] = []
          for gi in range {
            let m = modules[gi], x = v.pointer(m.offset)
            logP.removeAll(keepingCapacity: true)
            logP.append(contentsOf: repeatElement(0, count: m.count))
            ProximalPenalty.logSoftmax(x, m.count, into: &logP, at: 0)
            p.removeAll(keepingCapacity: true)
            var kl = 0.0
            for j in 0..<m.count {
              let pj = Foundation.exp(logP[j])
              p.append(pj)
              kl += pj * (logP[j] - logQ[m.offset + j])
            }
            values[gi] = kl
            if let g = gradient, w != 0 {
              let dst = g.pointer(m.offset)
              for j in 0..<m.count { dst[j] += w * Float(p[j] * (logP[j] - logQ[m.offset + j] - kl)) }
            }
          }
        }
      }
    }
    return values
  }

  /// The kind's name in reports: `softmaxKL`, `l2`, `diagonalFisher`.
  public var metricName: String { kind.rawValue }

  /// The penalty's Hessian at the anchor over `modules` (Docs/Design.md §3).
  public func metric(over modules: [LoRAModule]) throws -> (JointProximalMetric, [Double]) {
    try SpectrumAnalysis.metric(kind: kind, modules: modules, anchor: FloatBuffer(anchor), fisher: fisher)
  }

  /// Per module, the exact softmax-KL next to the released code's bf16 one and the cosine
  /// between their gradients, at adapter `v` against this penalty's anchor (Docs/Math.md
  /// "The penalty in bfloat16"). Only for the softmax-KL kind.
  public func precisionComparison(at v: FloatBuffer) throws -> [PenaltyPrecisionComparison] {
    guard kind == .softmaxKL else {
      throw LorascopeError.usage("the bf16 comparison applies to the softmax-KL penalty (peso), not \(kind.rawValue)")
    }
    let exact = ProximalPenalty(kind: .softmaxKL, layout: layout, anchor: FloatBuffer(anchor), precision: .exact)
    let rounded = ProximalPenalty(kind: .softmaxKL, layout: layout, anchor: FloatBuffer(anchor), precision: .bf16)
    // Strength 1 with |L| = 1 adds ∂P_g/∂v itself.
    let unit = ProximalStrength(validatedLambda: 1, adaptedLinears: 1)
    let exactGradient = FloatBuffer(count: layout.count), roundedGradient = FloatBuffer(count: layout.count)
    let exactValues = exact.evaluate(v, strength: unit, gradient: exactGradient)
    let roundedValues = rounded.evaluate(v, strength: unit, gradient: roundedGradient)
    return layout.modules.enumerated().map { g, m in
      var dot = 0.0, ne = 0.0, nr = 0.0
      for j in m.offset..<(m.offset + m.count) {
        let a = Double(exactGradient[j]), b = Double(roundedGradient[j])
        dot += a * b
        ne += a * a
        nr += b * b
      }
      let cosine = ne > 0 && nr > 0 ? dot / (ne * nr).squareRoot() : nil
      return PenaltyPrecisionComparison(
        module: m.name, exact: exactValues[g], bf16: roundedValues[g], gradientCosine: cosine)
    }
  }

  /// log softmax(x) in Float64 of a whole flattened module.
  static func logSoftmax(_ x: [Float]) -> [Double] {
    var out = [Double](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { b in
      if let base = b.baseAddress { logSoftmax(base, x.count, into: &out, at: 0) }
    }
    return out
  }

  static func logSoftmax(_ x: UnsafePointer<Float>, _ n: Int, into out: inout [Double], at offset: Int) {
    var mx = -Double.infinity
    for j in 0..<n { mx = max(mx, Double(x[j])) }
    var sum = 0.0
    for j in 0..<n { sum += Foundation.exp(Double(x[j]) - mx) }
    let lse = mx + Foundation.log(sum)
    for j in 0..<n { out[offset + j] = Double(x[j]) - lse }
  }
}

/// One module's softmax-KL in both arithmetics (`spectrum --json`: penalty_exact,
/// penalty_bf16, bf16_gradient_cosine).
public struct PenaltyPrecisionComparison: Codable, Sendable, Equatable {
  public let module: String
  public let exact: Double
  public let bf16: Double
  /// cos(∇ exact, ∇ bf16); nil when either gradient is zero.
  public let gradientCosine: Double?

  enum CodingKeys: String, CodingKey {
    case module, exact = "penalty_exact", bf16 = "penalty_bf16", gradientCosine = "bf16_gradient_cosine"
  }

  /// Writes a missing cosine as null, so every module has all four keys.
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(module, forKey: .module)
    try c.encode(exact, forKey: .exact)
    try c.encode(bf16, forKey: .bf16)
    try c.encode(gradientCosine, forKey: .gradientCosine)
  }
}
