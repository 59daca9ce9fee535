import Foundation

/// The pieces of a decoder layer that treat every row alike, shared by the prefill and the
/// one-token passes of `IncrementalDecoder` (Docs/Math.md §3–§8 and §7's layer):
/// rows are tokens of any contexts, each at its own position.
struct DecodingKernels {
  let model: LlamaModel
  let weights: DecodingWeights
  let workspace: DecodingWorkspace
  var config: ModelConfig { model.config }

  /// x[i] = E[token i].
  func embed(_ tokens: [Int32], into x: FloatBuffer) {
    let c = config.hiddenSize
    for (i, token) in tokens.enumerated() {
      x.pointer(i * c).update(from: model.weights.pointer(model.layout.embedding + Int(token) * c), count: c)
    }
  }

  /// Rotary (Docs/Math.md §4) on the q and k parts of fused rows qkv [rows, 3C], row i at positions[i].
  func rotate(qkv: FloatBuffer, positions: [Int]) {
    let c = config.hiddenSize, heads = config.numHeads, d = config.headDim, half = d / 2
    model.rotary.cos.withUnsafeBufferPointer { cp in
      model.rotary.sin.withUnsafeBufferPointer { sp in
        guard let cosBase = cp.baseAddress, let sinBase = sp.baseAddress else { return }
        Parallel.forChunks(positions.count, minChunk: 256) { rows in
          for i in rows {
            let ct = cosBase + positions[i] * half, st = sinBase + positions[i] * half
            // Heads of q then heads of k: 2·heads vectors of d side by side.
            let row = qkv.pointer(i * 3 * c)
            for vector in 0..<(2 * heads) {
              let v = row + vector * d
              for j in 0..<half {
                let a = v[j], b = v[j + half]
                v[j] = a * ct[j] - b * st[j]
                v[j + half] = b * ct[j] + a * st[j]
              }
            }
          }
        }
      }
    }
  }

  /// The attention projections: normed = n₁(x), qkv = normed·W_qkvᵀ.
  func attentionInput(layer l: Int, x: FloatBuffer, normed: FloatBuffer, rstd: FloatBuffer, qkv: FloatBuffer, rows: Int) {
    let c = config.hiddenSize
    RMSNorm.forward(out: normed.base, rstd: rstd.base, inp: x.base, weight: model.weights.pointer(model.layout.layers[l].inputNorm),
                    rows: rows, c: c, eps: config.rmsNormEps)
    BLAS.linearForward(out: qkv.base, inp: normed.base, weight: weights.layers[l].qkv.base, rows: rows, inF: c, outF: 3 * c)
  }

  /// The rest of the layer after attention: h = x + o(att); x ← h + down(silu(gate(n₂(h))) ⊙ up(n₂(h))).
  /// `scratch` holds rows·C floats for h and normed, `gateUp` rows·2I, `act` rows·I.
  func finishLayer(
    layer l: Int, x: FloatBuffer, attended: FloatBuffer, h: FloatBuffer, normed: FloatBuffer, rstd: FloatBuffer,
    gateUp: FloatBuffer, act: FloatBuffer, rows: Int
  ) {
    let c = config.hiddenSize, inter = config.intermediateSize
    let lw = weights.layers[l]
    BLAS.linearForward(out: h.base, inp: attended.base, weight: lw.o.base, rows: rows, inF: c, outF: c)
    FloatBuffer.add(x.base, into: h.base, count: rows * c)
    RMSNorm.forward(out: normed.base, rstd: rstd.base, inp: h.base,
                    weight: model.weights.pointer(model.layout.layers[l].postAttentionNorm),
                    rows: rows, c: c, eps: config.rmsNormEps)
    BLAS.linearForward(out: gateUp.base, inp: normed.base, weight: lw.gateUp.base, rows: rows, inF: c, outF: 2 * inter)
    Parallel.forChunks(rows, minChunk: 64) { range in
      for r in range {
        let g = gateUp.pointer(r * 2 * inter)
        SwiGLU.forward(act: act.pointer(r * inter), gate: g, up: g + inter, count: inter)
      }
    }
    BLAS.linearForward(out: x.base, inp: act.base, weight: lw.down.base, rows: rows, inF: inter, outF: c)
    FloatBuffer.add(h.base, into: x.base, count: rows * c)
  }

  /// Log-softmax of lm_head(norm(x[row])) for the given rows of x, one array per row.
  func logProbs(x: FloatBuffer, rows: [Int]) -> [[Float]] {
    let c = config.hiddenSize, v = config.vocabSize, n = rows.count
    let gathered = workspace.buffer(.headInput, count: n * c), normed = workspace.buffer(.headNormed, count: n * c)
    let rstd = workspace.buffer(.headRstd, count: n)
    for (i, r) in rows.enumerated() { gathered.pointer(i * c).update(from: x.pointer(r * c), count: c) }
    RMSNorm.forward(out: normed.base, rstd: rstd.base, inp: gathered.base, weight: model.weights.pointer(model.layout.finalNorm),
                    rows: n, c: c, eps: config.rmsNormEps)
    let logits = workspace.buffer(.logits, count: n * v)
    BLAS.linearForward(out: logits.base, inp: normed.base, weight: model.weights.pointer(model.layout.lmHead),
                       rows: n, inF: c, outF: v)
    // One row per context, independent: the rows split over the cores.
    var out = [[Float]](repeating: [], count: n)
    out.withUnsafeMutableBufferPointer { rowsOut in
      nonisolated(unsafe) let rowsOut = rowsOut
      Parallel.forChunks(n, minChunk: 32) { range in
        for i in range { rowsOut[i] = Self.logSoftmax(logits.pointer(i * v), count: v) }
      }
    }
    return out
  }

  /// log softmax(z) with the vectorized exp (Docs/Math.md §8 at τ = 1): z − max − log Σ exp(z − max),
  /// the sum kept in Float64.
  static func logSoftmax(_ z: UnsafePointer<Float>, count: Int) -> [Float] {
    let mx = Reductions.maximum(z, count: count)
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      guard let o = out.baseAddress else { return }
      for j in 0..<count { o[j] = z[j] - mx }
      FastMath.expInPlace(o, count: count)
      let sum = Reductions.sumInDouble(o, count: count)
      let lse = Float(Foundation.log(sum))
      for j in 0..<count { o[j] = z[j] - mx - lse }
      initialized = count
    }
  }

  /// Softmax in place over p[0..<count] (scores already scaled).
  @inline(__always)
  static func softmax(_ p: UnsafeMutablePointer<Float>, count: Int) {
    let mx = Reductions.maximum(p, count: count)
    for j in 0..<count { p[j] -= mx }
    FastMath.expInPlace(p, count: count)
    let inv = 1 / Reductions.sum(p, count: count)
    for j in 0..<count { p[j] *= inv }
  }
}
