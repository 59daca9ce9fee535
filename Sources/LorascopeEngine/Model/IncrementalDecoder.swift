import Foundation

/// Scores next tokens for beam search with a key/value cache (Docs/Design.md §5).
///
/// The beam search asks for log-probabilities of contexts that grow by one token per level:
/// first BOS + history (a *prefix*), then each beam's context with one more code token. A
/// context whose parent (the context without its last token) was scored in the previous call
/// only runs its new token through the model, attending to the parent's cached keys and values;
/// any other context gets a full forward pass that fills the cache. Results equal
/// `LlamaModel.nextTokenLogProbs` (a test checks this); the cost per beam step is one token
/// instead of the whole history.
public final class IncrementalDecoder: NextTokenScorer {
  /// Keys (after rotary) and values of every layer for a prefix's positions, shared by all
  /// beams grown from it.
  final class PrefixCache {
    let keys: [[Float]]    // per layer, [length, C]
    let values: [[Float]]
    let length: Int
    init(keys: [[Float]], values: [[Float]], length: Int) {
      self.keys = keys
      self.values = values
      self.length = length
    }
  }

  /// One context: its shared prefix plus the few code tokens the beam added to it.
  struct Cache {
    let prefix: PrefixCache
    var extraKeys: [[Float]]   // per layer, [extra, C]
    var extraValues: [[Float]]
    var length: Int { prefix.length + extraKeys[0].count / keyWidth }
    let keyWidth: Int
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
    // Safe unwrap: `nextTokenLogProbs` on the line above ran a forward pass, which creates them.
    let acts = model.activations!
    let c = model.config.hiddenSize, t = acts.seqLen
    for (b, ctx) in contexts.enumerated() {
      let n = ctx.count
      let keys = acts.layers.map { $0.k.slice(b * t * c, n * c) }
      let values = acts.layers.map { $0.v.slice(b * t * c, n * c) }
      let layers = model.config.numLayers
      next[ctx] = Cache(
        prefix: PrefixCache(keys: keys, values: values, length: n),
        extraKeys: Array(repeating: [], count: layers), extraValues: Array(repeating: [], count: layers), keyWidth: c)
    }
    return rows
  }

  /// One new token per context, attending to the parent's cache.
  private func stepPass(_ contexts: [[Int32]], into next: inout [[Int32]: Cache]) throws -> [[Float]] {
    let cfg = model.config
    let c = cfg.hiddenSize, inter = cfg.intermediateSize, v = cfg.vocabSize
    let heads = cfg.numHeads, d = cfg.headDim, half = d / 2
    let n = contexts.count
    // Safe unwrap: a step context is a cached context plus one token: the caller extends only contexts it cached.
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
      // Safe unwrap: a step context extends a cached one by a token, so it is not empty.
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
      // Attention of the new token over the parent's prefix (strided sgemv over the cached
      // keys and values), the parent's extra tokens and itself. Rows are independent.
      Parallel.forChunks(n, minChunk: 16) { rows in
        var scores = [Float](repeating: 0, count: maxPos + 1)
        for i in rows {
          let parent = parents[i], plen = parent.prefix.length, len = parent.length
          parent.prefix.keys[l].withUnsafeBufferPointer { pk in
            parent.prefix.values[l].withUnsafeBufferPointer { pv in
              parent.extraKeys[l].withUnsafeBufferPointer { ek in
                parent.extraValues[l].withUnsafeBufferPointer { ev in
                  scores.withUnsafeMutableBufferPointer { sc in
                    // Safe unwraps (here and in the gemv calls below): the pointers are of non-empty arrays — scores has
                    // maxPos + 1 ≥ 1 entries, a prefix cache holds ≥ 1 position, and the extra caches are read only for
                    // j ≥ plen, when they hold j − plen + 1 positions — whose base address is never nil.
                    let sp = sc.baseAddress!
                    for hh in 0..<heads {
                      let qi = q.pointer(i * c + hh * d)
                      // Prefix scores: K[0..<plen, head] · q.
                      BLAS.gemv(transpose: false, rows: plen, cols: d, alpha: scale, a: pk.baseAddress! + hh * d,
                                lda: c, x: qi, beta: 0, y: sp)
                      for j in plen...len {
                        let kj = j < len ? ek.baseAddress! + (j - plen) * c + hh * d : UnsafePointer(k.pointer(i * c + hh * d))
                        var dot: Float = 0
                        for e in 0..<d { dot += qi[e] * kj[e] }
                        sp[j] = dot * scale
                      }
                      var mx = -Float.infinity
                      for j in 0...len { mx = max(mx, sp[j]) }
                      for j in 0...len { sp[j] -= mx }
                      FastMath.expInPlace(sp, count: len + 1)
                      var sum: Float = 0
                      for j in 0...len { sum += sp[j] }
                      let inv = 1 / sum
                      for j in 0...len { sp[j] *= inv }
                      let o = att.pointer(i * c + hh * d)
                      // Prefix values: V[0..<plen, head]ᵀ · p.
                      BLAS.gemv(transpose: true, rows: plen, cols: d, alpha: 1, a: pv.baseAddress! + hh * d,
                                lda: c, x: sp, beta: 0, y: o)
                      for j in plen...len {
                        let vj = j < len ? ev.baseAddress! + (j - plen) * c + hh * d : UnsafePointer(val.pointer(i * c + hh * d))
                        let p = sp[j]
                        for e in 0..<d { o[e] += p * vj[e] }
                      }
                    }
                  }
                }
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
      var cache = parents[i]
      for l in 0..<cfg.numLayers {
        cache.extraKeys[l] += newKeys[l][(i * c)..<((i + 1) * c)]
        cache.extraValues[l] += newValues[l][(i * c)..<((i + 1) * c)]
      }
      next[ctx] = cache
    }
    return (0..<n).map { logits.slice($0 * v, v) }
  }
}

extension LlamaModel {
  /// y = x Wᵀ + s·(x Aᵀ) Bᵀ for any number of rows, without dropout and without touching the
  /// training activations (used by incremental decoding).
  func project(_ kind: LinearKind, layer l: Int, inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, rows: Int) {
    let inF = kind.inFeatures(config), outF = kind.outFeatures(config)
    // Safe unwrap: BackboneLayout gives every layer an offset for each of the seven LinearKind cases.
    BLAS.linearForward(out: out, inp: inp, weight: weights.pointer(layout.layers[l].linear[kind]!),
                       rows: rows, inF: inF, outF: outF)
    guard let ll = loraLayout, let lora, let slot = ll.linears[l][kind] else { return }
    let ax = FloatBuffer(count: rows * ll.lora.rank)
    BLAS.linearForward(out: ax.base, inp: inp, weight: lora.pointer(slot.a), rows: rows, inF: inF, outF: ll.lora.rank)
    BLAS.linearForward(out: out, inp: ax.base, weight: lora.pointer(slot.b), rows: rows, inF: ll.lora.rank,
                       outF: outF, accumulate: true, alpha: ll.lora.scale)
  }
}
