/// The noisy quadratic model of one stage's training (Docs/Math.md §45): what the λ curve's
/// simulation trains instead of the network.
///
/// Around the anchor v_{t−1}, sequence n of the stage's probe contributes the linear term g_nᵀΔ
/// (g_n the gradient of its summed CE at its observed labels), the CE of the whole block is
/// curved by Σ (a per-token Gauss–Newton estimate, Σ = (1/r)·CᵀC, §22–§23), and the penalty is
/// its exact quadratic form ½ λ_eff ΔᵀHΔ with H the metric `race` measures ‖Δ‖_H in (§21). A
/// mini-batch B of the model has the loss
///
///     L_B(Δ) = (1/T_B) Σ_{n∈B} g_nᵀΔ + ½ ΔᵀΣΔ + ½ λ_eff ΔᵀHΔ,     T_B = target tokens of B,
///
/// so its batches carry the data's own gradient noise and the curvature stops the free move
/// where the block's loss stops falling.
struct StageQuadraticModel {
  /// p, the adapter's entries.
  let parameters: Int
  /// v_{t−1}, where Δ = 0 (AdamW's weight decay acts on v = v_{t−1} + Δ, not on Δ).
  let anchor: [Float]
  /// H at v_{t−1} (the penalty's metric, ε = 0: the H of `race`'s displacement_h).
  let metric: JointProximalMetric
  /// g_n of every probe sequence, n × p row-major.
  let exampleGradients: [Float]
  /// Target tokens of every probe sequence (T_B of a batch is their sum).
  let exampleTokens: [Int]
  /// The curvature's factor C (r × p): Σ = (1/r)·CᵀC.
  let curvature: [Float]
  let curvatureRows: Int
  /// The validation CE of block t and of blocks < t as quadratics in Δ (nil: no such block).
  let newBlock: ValidationQuadratic
  let oldBlocks: ValidationQuadratic?

  var examples: Int { exampleTokens.count }
}

/// A validation set's mean CE per target token as a quadratic in Δ: CE(Δ) − CE(0) ≈ ḡᵀΔ + ½ΔᵀΣΔ
/// with ḡ the mean-token gradient at the observed labels and Σ = (1/r)·CᵀC (Docs/Math.md §45).
struct ValidationQuadratic {
  let gradient: [Double]
  let curvature: [Float]
  let rows: Int

  /// The model's CE change at Δ, against the anchor.
  func change(at delta: [Float]) -> Double {
    var linear = 0.0
    for i in delta.indices { linear += gradient[i] * Double(delta[i]) }
    let p = delta.count
    var quadratic = 0.0
    curvature.withUnsafeBufferPointer { c in
      for r in 0..<rows {
        var dot = 0.0
        let row = c.baseAddress! + r * p
        for i in 0..<p { dot += Double(row[i]) * Double(delta[i]) }
        quadratic += dot * dot
      }
    }
    return linear + 0.5 * quadratic / Double(max(rows, 1))
  }
}

extension StageQuadraticModel {
  /// The per-example rows g_n of `gradients` (measured at the observed labels): ProbeGradients
  /// stores √(rows/N_tok)·g_n (§22), so each row is divided by that factor back.
  static func exampleRows(_ gradients: ProbeGradients) -> [Float] {
    let scale = 1 / gradients.rowScale
    return gradients.values.map { Float($0 * scale) }
  }

  /// A validation quadratic from its observed-label gradients and its curvature factor.
  static func validation(observed: ProbeGradients, curvature: ProbeGradients) -> ValidationQuadratic {
    let p = observed.parameters
    var mean = [Double](repeating: 0, count: p)
    // ḡ = (1/N_tok) Σ_n g_n = (Σ_n row_n) / (rowScale · N_tok).
    let scale = 1 / (observed.rowScale * Double(observed.targetTokens))
    for r in 0..<observed.rows {
      let base = r * p
      for i in 0..<p { mean[i] += observed.values[base + i] * scale }
    }
    return ValidationQuadratic(gradient: mean, curvature: curvature.values.map(Float.init), rows: curvature.rows)
  }
}
