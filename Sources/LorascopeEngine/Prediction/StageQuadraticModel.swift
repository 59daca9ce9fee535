/// The noisy quadratic model of one stage's training (Docs/Math.md §45): what the λ curve's
/// simulation trains instead of the network.
///
/// Around the anchor v_{t−1}, sequence n of the stage's probe contributes the linear term g_nᵀΔ
/// (g_n the gradient of its summed CE at its observed labels), the CE of the whole block is
/// curved by Σ (a per-token Gauss–Newton estimate, Σ = (1/r)·CᵀC, Docs/Math.md §22–§23), and the penalty is
/// its exact quadratic form ½ λ_eff ΔᵀHΔ with H the metric `race` measures ‖Δ‖_H in (Docs/Math.md §21). A
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
  /// The validation CE of block t and of blocks < t as quadratics in Δ.
  let newBlock: ValidationQuadratic
  let oldBlocks: ValidationQuadratic

  var examples: Int { exampleTokens.count }
}

/// A validation set's mean CE per target token as a quadratic in Δ (Docs/Math.md §45):
/// CE(Δ) − CE(0) ≈ ḡᵀΔ + ½ΔᵀΣΔ, ḡ its mean-token gradient at v_{t−1}. Σ is the stage's
/// curvature (block t's), shared by every set: measuring each set's own would cost a
/// per-example pass per set, more than the λ curve's time budget allows.
struct ValidationQuadratic {
  let gradient: [Double]

  /// ḡ of `pairs` at the model's parameters (dropout off): one batched backward per 64 rows,
  /// each batch's mean weighted by its target tokens.
  static func measure(model: LlamaModel, pairs: [TrainingPair]) throws -> ValidationQuadratic {
    guard let layout = model.loraLayout else { throw LorascopeError.usage("the λ curve needs a model with an adapter") }
    let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
    var mean = [Double](repeating: 0, count: layout.count)
    var tokens = 0
    model.dropoutEnabled = false
    var start = 0
    while start < pairs.count {
      let batch = TokenBatch(rows: Array(pairs[start..<min(start + 64, pairs.count)]))
      start += 64
      let count = batch.targetRows.count
      guard count > 0, let g = grads.lora else { continue }
      grads.zero()
      _ = try model.lossAndGradients(batch, into: grads)
      for i in mean.indices { mean[i] += Double(g[i]) * Double(count) }
      tokens += count
    }
    guard tokens > 0 else { throw LorascopeError.usage("the λ curve's validation set has no target tokens") }
    for i in mean.indices { mean[i] /= Double(tokens) }
    return ValidationQuadratic(gradient: mean)
  }

  /// ḡᵀΔ + ½ `curvature` (ΔᵀΣΔ, computed once per Δ by the caller).
  func change(at delta: [Float], curvature: Double) -> Double {
    var linear = 0.0
    for i in delta.indices { linear += gradient[i] * Double(delta[i]) }
    return linear + 0.5 * curvature
  }
}

extension StageQuadraticModel {
  /// The per-example rows g_n of `gradients` (measured at the observed labels): ProbeGradients
  /// stores √(rows/N_tok)·g_n (Docs/Math.md §22), so each row is divided by that factor back.
  static func exampleRows(_ gradients: ProbeGradients) -> [Float] {
    let scale = 1 / gradients.rowScale
    return gradients.values.map { Float($0 * scale) }
  }

  /// ΔᵀΣΔ = ‖CΔ‖²/r.
  func curvature(at delta: [Float]) -> Double {
    let r = curvatureRows, p = parameters
    guard r > 0 else { return 0 }
    var projected = [Float](repeating: 0, count: r)
    curvature.withUnsafeBufferPointer { c in
      delta.withUnsafeBufferPointer { d in
        projected.withUnsafeMutableBufferPointer { y in
          BLAS.gemv(
            transpose: false, rows: r, cols: p, alpha: 1, a: c.baseAddress!, lda: p, x: d.baseAddress!, beta: 0,
            y: y.baseAddress!)
        }
      }
    }
    return projected.reduce(0) { $0 + Double($1) * Double($1) } / Double(r)
  }
}

extension StageQuadraticModel {
  /// The share of Σ's trace the simulation keeps (Docs/Math.md §45).
  static let curvatureTraceShare = 0.99

  /// Σ = (1/r)·CᵀC cut to its leading eigen-directions holding `share` of its trace, as a factor
  /// C' (k × p) with Σ' = (1/k)·C'ᵀC'. The simulation reads C twice per step for every lane, so
  /// its time is proportional to the rows kept; the directions cut carry the least curvature,
  /// where the stage's move is set by the linear term and the step count, not by Σ.
  static func leadingCurvature(_ values: [Double], rows r: Int, parameters p: Int, share: Double = curvatureTraceShare)
    throws -> (factor: [Float], rows: Int)
  {
    let c = values.map(Float.init)
    guard r > 1 else { return (c, r) }
    var gram = [Float](repeating: 0, count: r * r)
    c.withUnsafeBufferPointer { a in
      gram.withUnsafeMutableBufferPointer { g in
        BLAS.gemm(
          transA: false, transB: true, m: r, n: r, k: p, alpha: 1, a: a.baseAddress!, lda: p, b: a.baseAddress!, ldb: p,
          beta: 0, c: g.baseAddress!, ldc: r)
      }
    }
    // C Cᵀ = U diag(e) Uᵀ; the rows u_jᵀC (j by descending e_j) satisfy CᵀC = Σ_j (Cᵀu_j)(u_jᵀC).
    let (e, u) = try LAPACK.symmetricEigen(gram.map(Double.init), n: r)
    let order = Array((0..<r).reversed())
    let total = e.reduce(0) { $0 + max($1, 0) }
    guard total > 0 else { return (c, r) }
    var k = 0, kept = 0.0
    while k < r && kept < share * total {
      kept += max(e[order[k]], 0)
      k += 1
    }
    let scale = Float((Double(k) / Double(r)).squareRoot())
    var basis = [Float](repeating: 0, count: k * r)
    for j in 0..<k { for i in 0..<r { basis[j * r + i] = scale * Float(u[i * r + order[j]]) } }
    var factor = [Float](repeating: 0, count: k * p)
    basis.withUnsafeBufferPointer { b in
      c.withUnsafeBufferPointer { a in
        factor.withUnsafeMutableBufferPointer { f in
          BLAS.gemm(
            transA: false, transB: false, m: k, n: p, k: r, alpha: 1, a: b.baseAddress!, lda: r, b: a.baseAddress!, ldb: p,
            beta: 0, c: f.baseAddress!, ldc: p)
        }
      }
    }
    return (factor, k)
  }
}
