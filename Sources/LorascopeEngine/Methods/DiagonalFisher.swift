/// The diagonal Fisher of EWC (DESIGN §2): F_i = (1/n) Σ_n g_{n,i}², the mean of per-example
/// squared gradients at the end of the previous stage (the empirical Fisher's diagonal).
///
/// Per-example gradients come from one batched backward per mini-batch (never the square of a
/// mini-batch mean, which is neither the empirical nor the true Fisher).
public enum DiagonalFisher {
  public static func estimate(model: LlamaModel, sequences: [(inputs: [Int32], targets: [Int32])], batchSize: Int = 32) throws -> [Float] {
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
    let n = Double(max(sequences.count, 1))
    return fisher.map { Float($0 / n) }
  }
}
