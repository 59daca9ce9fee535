/// The diagonal Fisher of EWC (Docs/Design.md §2): F_i = (1/N_tok) Σ_n g_{n,i}², per-example squared
/// gradients at the end of the previous stage (the empirical Fisher's diagonal), normalized per
/// target token like the training loss and the spectrum's Σ (Spectrum/ProbeGradients.swift),
/// so EWC's λ is on the same scale as PESO's.
///
/// Per-example gradients come from one batched backward per mini-batch (never the square of a
/// mini-batch mean, which is neither the empirical nor the true Fisher).
enum DiagonalFisher {
  public static func estimate(model: LlamaModel, sequences: [TrainingPair], batchSize: Int = 32) throws -> [Float] {
    guard let layout = model.loraLayout else {
      throw LorascopeError.invalidConfiguration("EWC needs an adapter to estimate a Fisher diagonal for")
    }
    var fisher = [Double](repeating: 0, count: layout.count)
    let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
    var start = 0
    while start < sequences.count {
      let rows = Array(sequences[start..<min(start + batchSize, sequences.count)])
      let batch = TokenBatch(rows: rows)
      let perExample = FloatBuffer(count: rows.count * layout.count)
      grads.zero()
      try model.lossAndGradients(batch, into: grads, perExample: perExample)
      for e in 0..<rows.count {
        let g = perExample.pointer(e * layout.count)
        for i in 0..<layout.count { fisher[i] += Double(g[i]) * Double(g[i]) }
      }
      start += batchSize
    }
    let tokens = sequences.reduce(0) { $0 + $1.targets.filter { $0 >= 0 }.count }
    let n = Double(max(tokens, 1))
    return fisher.map { Float($0 / n) }
  }
}
