import Foundation

/// A full pass over whole contexts for `IncrementalDecoder`: the contexts are packed back to back
/// (no padding rows), every linear is one GEMM over all their tokens, and causal attention runs
/// per (context, head) pair as two strided GEMMs (Docs/Math.md §5). Each context's keys and
/// values are kept as the prefix cache of the beams grown from it.
struct PrefillPass {
  let kernels: DecodingKernels
  let contexts: [[Int32]]
  /// Row of each context's first token in the packed rows; `starts[n]` = total rows.
  let starts: [Int]
  /// Per layer, every context's keys (after rotary) and values [rows, C], packed like the rows;
  /// the contexts' caches point into it.
  private let store: KeyValueRows
  /// The queries (after rotary) of the layer last passed to `keepKeysAndValues` [rows, C].
  private let queries: FloatBuffer

  init(decoder: IncrementalDecoder, contexts: [[Int32]]) {
    kernels = DecodingKernels(model: decoder.model, weights: decoder.weights, workspace: decoder.workspace)
    self.contexts = contexts
    var s = [0]
    for ctx in contexts { s.append(s[s.count - 1] + ctx.count) }
    starts = s
    let c = decoder.model.config.hiddenSize, layers = decoder.model.config.numLayers
    let space = decoder.workspace
    store = space.keyValueRows(layers: layers, rows: s[contexts.count], width: c)
    queries = space.buffer(.queries, count: s[contexts.count] * c)
  }

  /// Log-probabilities at each context's last position.
  func run() -> [[Float]] {
    let cfg = kernels.config
    let c = cfg.hiddenSize, inter = cfg.intermediateSize
    let rows = starts[contexts.count]
    let space = kernels.workspace
    let x = space.buffer(.x, count: rows * c), h = space.buffer(.h, count: rows * c)
    let normed = space.buffer(.normed, count: rows * c), qkv = space.buffer(.qkv, count: rows * 3 * c)
    let attended = space.buffer(.attended, count: rows * c), rstd = space.buffer(.rstd, count: rows)
    let gateUp = space.buffer(.gateUp, count: rows * 2 * inter), act = space.buffer(.act, count: rows * inter)
    kernels.embed(contexts.flatMap { $0 }, into: x)
    let positions = contexts.flatMap { 0..<$0.count }
    let last = cfg.numLayers - 1
    for l in 0..<last {
      kernels.attentionInput(layer: l, x: x, normed: normed, rstd: rstd, qkv: qkv, rows: rows)
      kernels.rotate(qkv: qkv, positions: positions)
      keepKeysAndValues(layer: l, qkv: qkv)
      attend(layer: l, qkv: qkv, into: attended)
      kernels.finishLayer(layer: l, x: x, attended: attended, h: h, normed: normed, rstd: rstd,
                          gateUp: gateUp, act: act, rows: rows)
    }
    // The last layer: every position's keys and values go to the cache, but only each
    // context's last position goes on through attention, o_proj and the MLP to the head.
    kernels.attentionInput(layer: last, x: x, normed: normed, rstd: rstd, qkv: qkv, rows: rows)
    kernels.rotate(qkv: qkv, positions: positions)
    keepKeysAndValues(layer: last, qkv: qkv)
    let n = contexts.count
    let lastX = space.buffer(.lastX, count: n * c), lastAttended = space.buffer(.lastAttended, count: n * c)
    for i in 0..<n { lastX.pointer(i * c).update(from: x.pointer((starts[i + 1] - 1) * c), count: c) }
    attendLastPositions(layer: last, into: lastAttended)
    kernels.finishLayer(layer: last, x: lastX, attended: lastAttended, h: h, normed: normed, rstd: rstd,
                        gateUp: gateUp, act: act, rows: n)
    return kernels.logProbs(x: lastX, rows: Array(0..<n))
  }

  /// attended[i] = attention of context i's last position over all its positions (the cached
  /// keys and values of `layer`), per head.
  private func attendLastPositions(layer l: Int, into attended: FloatBuffer) {
    let cfg = kernels.config
    let c = cfg.hiddenSize, heads = cfg.numHeads, d = cfg.headDim
    let scale = 1 / Float(d).squareRoot()
    let longest = contexts.map(\.count).max() ?? 0
    Parallel.forChunks(contexts.count, minChunk: 16) { range in
      var scores = [Float](repeating: 0, count: longest)
      scores.withUnsafeMutableBufferPointer { buffer in
        guard let p = buffer.baseAddress else { return }
        for i in range {
          let t = contexts[i].count, first = starts[i]
          for head in 0..<heads {
            let hd = head * d
            let q = queries.pointer((first + t - 1) * c + hd)
            for j in 0..<t {
              let k = store.key(layer: l, row: first + j) + hd
              p[j] = Reductions.dot(q, k, count: d) * scale
            }
            DecodingKernels.softmax(p, count: t)
            let o = attended.pointer(i * c + hd)
            for e in 0..<d { o[e] = 0 }
            for j in 0..<t {
              let v = store.value(layer: l, row: first + j) + hd, w = p[j]
              for e in 0..<d { o[e] += w * v[e] }
            }
          }
        }
      }
    }
  }

  /// The cache of context `i` after `run`.
  func cache(of i: Int) -> IncrementalDecoder.Cache {
    IncrementalDecoder.Cache(
      prefix: IncrementalDecoder.PrefixCache(rows: store, start: starts[i], length: contexts[i].count), extras: [])
  }

  private func keepKeysAndValues(layer l: Int, qkv: FloatBuffer) {
    let c = kernels.config.hiddenSize
    for row in 0..<starts[contexts.count] {
      let fused = qkv.pointer(row * 3 * c)
      queries.pointer(row * c).update(from: fused, count: c)
      store.key(layer: l, row: row).update(from: fused + c, count: c)
      store.value(layer: l, row: row).update(from: fused + 2 * c, count: c)
    }
  }

  /// attended = softmax(q kᵀ/√d + causal mask) v per context and head.
  private func attend(layer l: Int, qkv: FloatBuffer, into attended: FloatBuffer) {
    let cfg = kernels.config
    let c = cfg.hiddenSize, heads = cfg.numHeads, d = cfg.headDim, width = 3 * c
    let scale = 1 / Float(d).squareRoot()
    let longest = contexts.map(\.count).max() ?? 0
    Parallel.forChunks(contexts.count * heads, minChunk: 4) { pairs in
      var scores = [Float](repeating: 0, count: longest * longest)
      scores.withUnsafeMutableBufferPointer { buffer in
        guard let p = buffer.baseAddress else { return }
        for pair in pairs {
          let i = pair / heads, head = pair % heads
          let t = contexts[i].count
          let q = UnsafePointer(qkv.pointer(starts[i] * width + head * d))
          BLAS.gemm(transA: false, transB: true, m: t, n: t, k: d, alpha: scale,
                    a: q, lda: width, b: q + c, ldb: width, beta: 0, c: p, ldc: t)
          for r in 0..<t {
            let row = p + r * t
            DecodingKernels.softmax(row, count: r + 1)
            for j in (r + 1)..<max(t, r + 1) { row[j] = 0 }
          }
          BLAS.gemm(transA: false, transB: false, m: t, n: d, k: t, alpha: 1,
                    a: p, lda: t, b: q + 2 * c, ldb: width, beta: 0,
                    c: attended.pointer(starts[i] * c + head * d), ldc: c)
        }
      }
    }
  }
}
