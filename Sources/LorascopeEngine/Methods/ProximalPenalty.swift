import Foundation

/// The proximal term of Docs/Design.md §2 that anchors the adapter v to its previous state v_{t−1}:
///
///     λ · (1/|L|) · Σ_g P_g(v^(g), v_{t−1}^(g))
///
/// summed over every module g (each A and each B), with |L| the number of adapted linears
/// (the normalization of the paper's released code). One type serves every method; the
/// kind picks P_g.
public struct ProximalPenalty: Sendable {
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

  public init(kind: Kind, layout: LoRALayout, anchor: FloatBuffer, fisher: [Float]? = nil) {
    precondition(anchor.count == layout.count)
    precondition(kind != .diagonalFisher || fisher?.count == layout.count, "EWC needs a Fisher diagonal")
    self.kind = kind
    self.layout = layout
    self.anchor = anchor.array
    self.fisher = fisher
    var logQ = [Double](repeating: 0, count: kind == .softmaxKL ? layout.count : 0)
    if kind == .softmaxKL {
      for m in layout.modules {
        ProximalPenalty.logSoftmax(anchor.pointer(m.offset), m.count, into: &logQ, at: m.offset)
      }
    }
    anchorLogSoftmax = logQ
  }

  /// λ_eff = λ/|L|, the weight each module's P_g carries (Docs/Design.md §2).
  public func effectiveWeight(lambda: Double) -> Double { lambda / Double(layout.adaptedLinearCount) }

  /// Returns P_g for every module (in `layout.modules` order) and, when `gradient` is given,
  /// adds λ_eff · ∂P_g/∂v into it.
  ///
  /// PESO gradient, with p = softmax(v), l = log p − log q:  ∂KL/∂v_j = p_j (l_j − Σ_i p_i l_i).
  @discardableResult
  public func evaluate(_ v: FloatBuffer, lambda: Double, gradient: FloatBuffer? = nil) -> [Double] {
    let w = Float(effectiveWeight(lambda: lambda))
    var values = [Double](repeating: 0, count: layout.modules.count)
    var logP = [Double]()
    for (gi, m) in layout.modules.enumerated() {
      let x = v.pointer(m.offset)
      switch kind {
      case .softmaxKL:
        logP.removeAll(keepingCapacity: true)
        logP.append(contentsOf: repeatElement(0, count: m.count))
        ProximalPenalty.logSoftmax(x, m.count, into: &logP, at: 0)
        var kl = 0.0
        for j in 0..<m.count {
          let lp = logP[j]
          kl += Foundation.exp(lp) * (lp - anchorLogSoftmax[m.offset + j])
        }
        values[gi] = kl
        if let g = gradient, w != 0 {
          let dst = g.pointer(m.offset)
          for j in 0..<m.count {
            let p = Foundation.exp(logP[j])
            dst[j] += w * Float(p * (logP[j] - anchorLogSoftmax[m.offset + j] - kl))
          }
        }
      case .l2, .diagonalFisher:
        var sum = 0.0
        for j in 0..<m.count {
          let d = Double(x[j] - anchor[m.offset + j])
          // Safe unwrap: the initializer requires a Fisher diagonal for .diagonalFisher, and `fisher!` is only read for that kind.
          let f = kind == .l2 ? 1.0 : Double(fisher![m.offset + j])
          sum += 0.5 * f * d * d
          if let g = gradient, w != 0 { g[m.offset + j] += w * Float(f * d) }
        }
        values[gi] = sum
      }
    }
    return values
  }

  /// λ_eff · Σ_g P_g, the total proximal term added to the loss.
  public func total(_ perModule: [Double], lambda: Double) -> Double {
    effectiveWeight(lambda: lambda) * perModule.reduce(0, +)
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
