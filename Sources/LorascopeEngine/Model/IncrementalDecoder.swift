import Foundation

/// Scores next tokens for beam search with a key/value cache (DESIGN §5).
///
/// The beam search asks for log-probabilities of contexts that grow by one token per level:
/// first BOS + history (a *prefix*), then each beam's context with one more code token. A
/// context whose parent (the context without its last token) was scored in the previous call
/// only runs its new token through the model, attending to the parent's cached keys and values;
/// any other context gets a full forward pass that fills the cache. Results equal
/// `LlamaModel.nextTokenLogProbs` (a test checks this); the cost per beam step is one token
/// instead of the whole history.
public final class IncrementalDecoder: NextTokenScorer {
  /// Keys (after rotary) and values of every layer for one context's positions.
  final class Cache {
    var keys: [[Float]]    // per layer, [length, C]
    var values: [[Float]]
    var length: Int
    init(keys: [[Float]], values: [[Float]], length: Int) {
      self.keys = keys
      self.values = values
      self.length = length
    }
  }

  public let model: LlamaModel
  public var vocabSize: Int { model.config.vocabSize }
  private var caches: [[Int32]: Cache] = [:]
  /// How many contexts were scored from the cache (one new token) and with a full pass.
  public private(set) var cachedContexts = 0
  public private(set) var fullContexts = 0

  public init(model: LlamaModel) { self.model = model }

  public func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
    var fresh: [Int] = [], extended: [Int] = []
    for (i, ctx) in contexts.enumerated() {
      if ctx.count > 1, caches[Array(ctx.dropLast())] != nil { extended.append(i) } else { fresh.append(i) }
    }
    cachedContexts += extended.count
    fullContexts += fresh.count
    var out = [[Float]](repeating: [], count: contexts.count)
    var next: [[Int32]: Cache] = [:]
    if !fresh.isEmpty {
      let ctxs = fresh.map { contexts[$0] }
      let rows = try prefixPass(ctxs, into: &next)
      for (k, i) in fresh.enumerated() { out[i] = rows[k] }
    }
    if !extended.isEmpty {
      let ctxs = extended.map { contexts[$0] }
      let rows = try stepPass(ctxs, into: &next)
      for (k, i) in extended.enumerated() { out[i] = rows[k] }
    }
    // Beam search only ever extends the contexts of the previous call.
    caches = next
    return out
  }

  /// Full forward pass; keeps each context's keys and values.
  private func prefixPass(_ contexts: [[Int32]], into next: inout [[Int32]: Cache]) throws -> [[Float]] {
    let rows = try model.nextTokenLogProbs(contexts: contexts)
    let acts = model.activations!
    let c = model.config.hiddenSize, t = acts.seqLen
    for (b, ctx) in contexts.enumerated() {
      let n = ctx.count
      let keys = acts.layers.map { $0.k.slice(b * t * c, n * c) }
      let values = acts.layers.map { $0.v.slice(b * t * c, n * c) }
      next[ctx] = Cache(keys: keys, values: values, length: n)
    }
    return rows
  }

  /// One new token per context, attending to the parent's cache.
  private func stepPass(_ contexts: [[Int32]], into next: inout [[Int32]: Cache]) throws -> [[Float]] {
    let cfg = model.config
    let c = cfg.hiddenSize, inter = cfg.intermediateSize, v = cfg.vocabSize
    let heads = cfg.numHeads, d = cfg.headDim, half = d / 2
    let n = contexts.count
    let parents = contexts.map { caches[Array($0.dropLast())]! }
    let positions = parents.map(\.length)
    guard let maxPos = positions.max(), maxPos < cfg.maxPositions else {
      throw LorascopeError.invalidConfiguration("context longer than max positions \(cfg.maxPositions)")
    }
    let w = model.weights, layout = model.layout
    let x = FloatBuffer(count: n * c), h = FloatBuffer(count: n * c), normed = FloatBuffer(count: n * c)
    let q = FloatBuffer(count: n * c), k = FloatBuffer(count: n * c), val = FloatBuffer(count: n * c)
    let att = FloatBuffer(count: n * c), rstd = FloatBuffer(count: n)
    let gate = FloatBuffer(count: n * inter), up = FloatBuffer(count: n * inter), act = FloatBuffer(count: n * inter)
    for (i, ctx) in contexts.enumerated() {
      x.pointer(i * c).update(from: w.pointer(layout.embedding + Int(ctx.last!) * c), count: c)
    }
    var newKeys = [[Float]](repeating: [], count: cfg.numLayers)
    var newValues = newKeys
    let scale = 1 / Float(d).squareRoot()

    for l in 0..<cfg.numLayers {
      let lw = layout.layers[l]
      RMSNorm.forward(out: normed.base, rstd: rstd.base, inp: x.base, weight: w.pointer(lw.inputNorm),
                      rows: n, c: c, eps: cfg.rmsNormEps)
      model.project(.q, layer: l, inp: normed.base, out: q.base, rows: n)
      model.project(.k, layer: l, inp: normed.base, out: k.base, rows: n)
      model.project(.v, layer: l, inp: normed.base, out: val.base, rows: n)
      // Rotary at each row's own position.
      model.rotary.cos.withUnsafeBufferPointer { cp in
        model.rotary.sin.withUnsafeBufferPointer { sp in
          for i in 0..<n {
            let p = positions[i]
            for buf in [q, k] {
              for hh in 0..<heads {
                let vec = buf.pointer(i * c + hh * d)
                for j in 0..<half {
                  let a = vec[j], b = vec[j + half], cs = cp[p * half + j], sn = sp[p * half + j]
                  vec[j] = a * cs - b * sn
                  vec[j + half] = b * cs + a * sn
                }
              }
            }
          }
        }
      }
      newKeys[l] = k.array
      newValues[l] = val.array
      // Attention of the new token over the parent's positions and itself.
      var scores = [Float](repeating: 0, count: maxPos + 1)
      for i in 0..<n {
        let parent = parents[i], len = parent.length
        parent.keys[l].withUnsafeBufferPointer { pk in
          parent.values[l].withUnsafeBufferPointer { pv in
            for hh in 0..<heads {
              let qi = q.pointer(i * c + hh * d)
              var mx = -Float.infinity
              for j in 0...len {
                let kj = j < len ? pk.baseAddress! + j * c + hh * d : UnsafePointer(k.pointer(i * c + hh * d))
                var s: Float = 0
                for e in 0..<d { s += qi[e] * kj[e] }
                s *= scale
                scores[j] = s
                mx = max(mx, s)
              }
              var sum: Float = 0
              for j in 0...len {
                scores[j] = Foundation.exp(scores[j] - mx)
                sum += scores[j]
              }
              let o = att.pointer(i * c + hh * d)
              o.update(repeating: 0, count: d)
              for j in 0...len {
                let vj = j < len ? pv.baseAddress! + j * c + hh * d : UnsafePointer(val.pointer(i * c + hh * d))
                let p = scores[j] / sum
                for e in 0..<d { o[e] += p * vj[e] }
              }
            }
          }
        }
      }
      model.project(.o, layer: l, inp: att.base, out: h.base, rows: n)
      for i in 0..<(n * c) { h[i] += x[i] }
      RMSNorm.forward(out: normed.base, rstd: rstd.base, inp: h.base, weight: w.pointer(lw.postAttentionNorm),
                      rows: n, c: c, eps: cfg.rmsNormEps)
      model.project(.gate, layer: l, inp: normed.base, out: gate.base, rows: n)
      model.project(.up, layer: l, inp: normed.base, out: up.base, rows: n)
      SwiGLU.forward(act: act.base, gate: gate.base, up: up.base, count: n * inter)
      model.project(.down, layer: l, inp: act.base, out: x.base, rows: n)
      for i in 0..<(n * c) { x[i] += h[i] }
    }
    RMSNorm.forward(out: normed.base, rstd: rstd.base, inp: x.base, weight: w.pointer(layout.finalNorm),
                    rows: n, c: c, eps: cfg.rmsNormEps)
    let logits = FloatBuffer(count: n * v)
    BLAS.linearForward(out: logits.base, inp: normed.base, weight: w.pointer(layout.lmHead), rows: n, inF: c, outF: v)
    CrossEntropy.logSoftmax(logits.base, rows: n, vocab: v)

    for (i, ctx) in contexts.enumerated() {
      let parent = parents[i]
      let keys = (0..<cfg.numLayers).map { parent.keys[$0] + newKeys[$0][(i * c)..<((i + 1) * c)] }
      let values = (0..<cfg.numLayers).map { parent.values[$0] + newValues[$0][(i * c)..<((i + 1) * c)] }
      next[ctx] = Cache(keys: keys, values: values, length: parent.length + 1)
    }
    return (0..<n).map { logits.slice($0 * v, v) }
  }
}

extension LlamaModel {
  /// y = x Wᵀ + s·(x Aᵀ) Bᵀ for any number of rows, without dropout and without touching the
  /// training activations (used by incremental decoding).
  func project(_ kind: LinearKind, layer l: Int, inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, rows: Int) {
    let inF = kind.inFeatures(config), outF = kind.outFeatures(config)
    BLAS.linearForward(out: out, inp: inp, weight: weights.pointer(layout.layers[l].linear[kind]!),
                       rows: rows, inF: inF, outF: outF)
    guard let ll = loraLayout, let lora, let slot = ll.linears[l][kind] else { return }
    let ax = FloatBuffer(count: rows * ll.lora.rank)
    BLAS.linearForward(out: ax.base, inp: inp, weight: lora.pointer(slot.a), rows: rows, inF: inF, outF: ll.lora.rank)
    BLAS.linearForward(out: out, inp: ax.base, weight: lora.pointer(slot.b), rows: rows, inF: ll.lora.rank,
                       outF: outF, accumulate: true, alpha: ll.lora.scale)
  }
}
