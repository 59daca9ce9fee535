/// Which second moment Σ_t of Docs/Design.md §3 is built from the probe set.
public enum FisherKind: String, Codable, CaseIterable, Sendable {
  /// Empirical Fisher: per-example gradients at the observed labels.
  case empirical
  /// Sampled-label (Monte Carlo) Fisher: labels drawn from the model's own prediction.
  case sampled
  /// The exact Gauss–Newton matrix (the sampled Fisher's expectation), for small probe sets.
  case ggn

  /// The full name, for command output and JSON.
  public var title: String {
    switch self {
    case .empirical: return "empirical Fisher (observed labels)"
    case .sampled: return "sampled-label Fisher"
    case .ggn: return "exact Gauss–Newton"
    }
  }

  /// The name in a few words, for a status line.
  public var name: String {
    switch self {
    case .empirical: return "empirical Fisher"
    case .sampled: return "sampled Fisher"
    case .ggn: return "exact Gauss–Newton"
    }
  }

  /// One word, for a narrow panel footer.
  public var abbreviation: String {
    switch self {
    case .empirical: return "empirical"
    case .sampled: return "sampled"
    case .ggn: return "GGN"
    }
  }
}

/// Per-example gradients G [rows, p] of the CE loss w.r.t. every LoRA parameter (Docs/Design.md §3).
///
/// Σ is normalized per target token, like the training loss (the mean CE over target
/// tokens), so that ρ_k and λ_eff of w_k = ρ_k/(ρ_k + λ_eff) are on the scale of the objective
/// L_t = CE + λ_eff Σ_g P_g: Σ = (1/N_tok)·Σ_n g_n g_nᵀ with g_n the gradient of example n's
/// summed CE. Each row is stored as √(rows/N_tok)·g_n so that Σ = (1/rows)·GᵀG, the form the
/// solvers take. For the exact GGN the rows are "virtual examples" √π_c·g_(τ,c), one per
/// target position τ and class c, so that Σ = (1/N_tok)·Σ_τ J_τᵀ(diag π_τ − π_τπ_τᵀ)J_τ exactly.
public struct ProbeGradients: Sendable {
  public let fisher: FisherKind
  public let examples: Int
  public let rows: Int
  public let parameters: Int
  /// The modules the columns cover, in order, when G holds only some of them (the exact GGN);
  /// nil when it covers the whole adapter in buffer order.
  public let moduleSubset: [LoRAModule]?
  /// Target tokens N_tok of the probe set.
  public let targetTokens: Int
  /// The factor every stored row carries, √(rows/N_tok).
  public var rowScale: Double { (Double(rows) / Double(targetTokens)).squareRoot() }
  /// [rows, parameters] row-major, Float64; scaled so Σ = (1/rows)·GᵀG.
  public let values: [Double]

  /// Computes G on `sequences` (dropout off) at the model's current parameters.
  ///
  /// Per-example gradients come from one batched backward per mini-batch (the LoRA gradient
  /// is a sum over tokens, accumulated per example), never one backward per example.
  ///
  /// The exact GGN has one virtual row per (target token, class), far too many to keep for the
  /// whole adapter; it is computed for `modules` only (required) and returned in an equivalent
  /// factored form with at most Σ m_g rows (see `gaussNewton`).
  public static func compute(
    model: LlamaModel, sequences: [TrainingPair], fisher: FisherKind,
    seed: UInt64 = 0, batchSize: Int = 32, modules: [LoRAModule]? = nil
  ) throws -> ProbeGradients {
    guard let layout = model.loraLayout else {
      throw LorascopeError.invalidConfiguration("the spectrum needs a model with an adapter")
    }
    guard !sequences.isEmpty else { throw LorascopeError.usage("the probe set is empty") }
    let p = layout.count
    let tokens = sequences.reduce(0) { $0 + $1.targets.filter { $0 >= 0 }.count }
    guard tokens > 0 else { throw LorascopeError.usage("the probe set has no target tokens") }
    model.dropoutEnabled = false
    switch fisher {
    case .empirical, .sampled:
      var rng = SeedStream(root: seed).generator(.sampledFisherLabels)
      var out = [Double]()
      out.reserveCapacity(sequences.count * p)
      var start = 0
      while start < sequences.count {
        var rows = Array(sequences[start..<min(start + batchSize, sequences.count)])
        if fisher == .sampled { rows = try sampleLabels(model: model, rows: rows, rng: &rng) }
        out += try perExample(model: model, rows: rows)
        start += batchSize
      }
      let scale = (Double(sequences.count) / Double(tokens)).squareRoot()
      for i in out.indices { out[i] *= scale }
      return ProbeGradients(
        fisher: fisher, examples: sequences.count, rows: sequences.count, parameters: p, moduleSubset: nil,
        targetTokens: tokens, values: out)
    case .ggn:
      guard let modules, !modules.isEmpty else {
        throw LorascopeError.usage("the exact Gauss–Newton matrix is computed per module: choose one (not the joint view)")
      }
      return try gaussNewton(model: model, sequences: sequences, modules: modules, targetTokens: tokens, batchSize: batchSize * 2)
    }
  }

  /// One batched backward; row e of the result is example e's gradient of its summed CE.
  static func perExample(model: LlamaModel, rows: [TrainingPair]) throws -> [Double] {
    // Safe unwrap: `compute` checks that the model has an adapter before calling this.
    let p = model.loraLayout!.count
    let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
    let buffer = FloatBuffer(count: rows.count * p)
    try model.lossAndGradients(TokenBatch(rows: rows), into: grads, perExample: buffer)
    return (0..<(rows.count * p)).map { Double(buffer[$0]) }
  }

  /// Replaces every target by a label drawn from softmax(logits/τ) at that position.
  static func sampleLabels(
    model: LlamaModel, rows: [TrainingPair], rng: inout SeededRNG
  ) throws -> [TrainingPair] {
    let v = model.config.vocabSize
    let probs = try model.targetProbabilities(TokenBatch(rows: rows))
    var out = rows
    var k = 0
    for (b, row) in rows.enumerated() {
      for t in row.targets.indices where row.targets[t] >= 0 {
        let pr = probs[k]
        k += 1
        var u = rng.nextUniform(), label = v - 1
        for c in 0..<v {
          u -= Double(pr[c])
          if u <= 0 { label = c; break }
        }
        out[b].targets[t] = Int32(label)
      }
    }
    return out
  }

  /// The exact GGN: for each example, target position τ and class c with π_c > 0, the CE
  /// gradient with label c at τ alone, weighted by √π_c (one backward per (τ, c): use small
  /// probe sets). Σ over the modules' columns is accumulated chunk by chunk, then returned as
  /// G' = [√(w·s_k)·u_kᵀ]_k from its eigendecomposition Σ = Σ_k s_k u_k u_kᵀ, so that
  /// (1/w)·G'ᵀG' = Σ exactly with w = Σ m_g rows instead of millions.
  static func gaussNewton(
    model: LlamaModel, sequences: [TrainingPair], modules: [LoRAModule], targetTokens: Int,
    batchSize: Int
  ) throws -> ProbeGradients {
    // Safe unwrap: `compute` checks that the model has an adapter before calling this.
    let p = model.loraLayout!.count
    let width = modules.reduce(0) { $0 + $1.count }
    guard width <= 4096 else {
      throw LorascopeError.usage(
        "the exact Gauss–Newton matrix is built densely per module (\(width) parameters selected): choose one module")
    }
    var sigma = [Double](repeating: 0, count: width * width)
    var pending: [(row: TrainingPair, weight: Double)] = []
    func flush() throws {
      guard !pending.isEmpty else { return }
      let g = try perExample(model: model, rows: pending.map(\.row))
      // Rows √π·g restricted to the modules; Σ += (1/N_tok) Σ_rows π g gᵀ.
      var block = [Double](repeating: 0, count: pending.count * width)
      for (e, item) in pending.enumerated() {
        let s = item.weight.squareRoot()
        var col = 0
        for m in modules {
          for i in 0..<m.count { block[e * width + col + i] = s * g[e * p + m.offset + i] }
          col += m.count
        }
      }
      let step = DenseSpectrumSolver.secondMoment(block, n: pending.count, p: width)
      let scale = Double(pending.count) / Double(targetTokens)
      for i in sigma.indices { sigma[i] += scale * step[i] }
      pending.removeAll(keepingCapacity: true)
    }
    for seq in sequences {
      let probs = try model.targetProbabilities(TokenBatch(rows: [seq]))
      var k = 0
      for t in seq.targets.indices where seq.targets[t] >= 0 {
        for (c, pc) in probs[k].enumerated() where pc > 0 {
          var targets = [Int32](repeating: -1, count: seq.targets.count)
          targets[t] = Int32(c)
          pending.append((TrainingPair(inputs: seq.inputs, targets: targets), Double(pc)))
          if pending.count >= batchSize { try flush() }
        }
        k += 1
      }
    }
    try flush()
    let (values, vectors) = try LAPACK.symmetricEigen(sigma, n: width)
    var factor = [Double](repeating: 0, count: width * width)
    for k in 0..<width {
      let s = (Double(width) * max(values[k], 0)).squareRoot()
      for i in 0..<width { factor[k * width + i] = s * vectors[i * width + k] }
    }
    return ProbeGradients(
      fisher: .ggn, examples: sequences.count, rows: width, parameters: width, moduleSubset: modules,
      targetTokens: targetTokens, values: factor)
  }

  /// The columns of one module (or a list of modules) as a [rows, Σ m_g] matrix.
  public func columns(_ modules: [LoRAModule]) -> [Double] {
    if let subset = moduleSubset {
      precondition(subset == modules, "these gradients cover \(subset.map(\.name)), not the requested modules")
      return values
    }
    let width = modules.reduce(0) { $0 + $1.count }
    // Every module in storage order (the joint view): the columns are `values` as they are.
    var next = 0, inOrder = true
    for m in modules {
      inOrder = inOrder && m.offset == next
      next = m.offset + m.count
    }
    if inOrder && width == parameters { return values }
    var out = [Double](repeating: 0, count: rows * width)
    for r in 0..<rows {
      var col = 0
      for m in modules {
        for i in 0..<m.count { out[r * width + col + i] = values[r * parameters + m.offset + i] }
        col += m.count
      }
    }
    return out
  }
}

extension LlamaModel {
  /// softmax(logits/τ) at every target row of `batch`, in row order (no gradients).
  public func targetProbabilities(_ batch: TokenBatch) throws -> [[Float]] {
    let rows = batch.targetRows
    guard !rows.isEmpty else { return [] }
    try forward(batch, outputRows: rows)
    let v = config.vocabSize
    // Safe unwrap: `forward` on the line above creates the activations.
    let logits = activations!.logits
    for i in 0..<(rows.count * v) { logits[i] /= ceTemperature }
    CrossEntropy.logSoftmax(logits.base, rows: rows.count, vocab: v)
    return (0..<rows.count).map { r in logits.slice(r * v, v).map { FastMath.exp($0) } }
  }
}
