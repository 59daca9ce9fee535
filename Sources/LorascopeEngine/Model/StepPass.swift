import Foundation

/// One new token per context for `IncrementalDecoder`: each row attends to its parent's cached
/// keys and values (a shared prefix plus the beam's own few extra tokens) and to itself.
///
/// The beams of one history share their prefix, so rows are grouped by prefix and each group's
/// attention over the prefix is, per head, one GEMM for the scores (beams × prefix) and one for
/// the weighted values; the extra tokens and the row itself are short dot products.
struct StepPass {
  let kernels: DecodingKernels
  let tokens: [Int32]
  let parents: [IncrementalDecoder.Cache]
  /// Rows grouped by shared prefix, in order of first appearance.
  let groups: [[Int]]
  /// Each row's new key and value per layer; the rows' caches point into it.
  private let store: KeyValueRows

  init(decoder: IncrementalDecoder, tokens: [Int32], parents: [IncrementalDecoder.Cache]) {
    kernels = DecodingKernels(model: decoder.model, weights: decoder.weights, workspace: decoder.workspace)
    self.tokens = tokens
    self.parents = parents
    var groupOf: [ObjectIdentifier: Int] = [:]
    var groups: [[Int]] = []
    for (row, parent) in parents.enumerated() {
      let id = ObjectIdentifier(parent.prefix)
      if let g = groupOf[id] {
        groups[g].append(row)
      } else {
        groupOf[id] = groups.count
        groups.append([row])
      }
    }
    self.groups = groups
    let cfg = decoder.model.config
    store = decoder.workspace.keyValueRows(layers: cfg.numLayers, rows: tokens.count, width: cfg.hiddenSize)
  }

  /// Log-probabilities after each row's new token.
  func run() -> [[Float]] {
    let cfg = kernels.config
    let c = cfg.hiddenSize, inter = cfg.intermediateSize, n = tokens.count
    let space = kernels.workspace
    let x = space.buffer(.x, count: n * c), h = space.buffer(.h, count: n * c), normed = space.buffer(.normed, count: n * c)
    let qkv = space.buffer(.qkv, count: n * 3 * c), attended = space.buffer(.attended, count: n * c)
    let rstd = space.buffer(.rstd, count: n)
    let gateUp = space.buffer(.gateUp, count: n * 2 * inter), act = space.buffer(.act, count: n * inter)
    kernels.embed(tokens, into: x)
    let positions = parents.map(\.length)
    for l in 0..<cfg.numLayers {
      kernels.attentionInput(layer: l, x: x, normed: normed, rstd: rstd, qkv: qkv, rows: n)
      kernels.rotate(qkv: qkv, positions: positions)
      for r in 0..<n {
        let row = qkv.pointer(r * 3 * c)
        store.key(layer: l, row: r).update(from: row + c, count: c)
        store.value(layer: l, row: r).update(from: row + 2 * c, count: c)
      }
      attend(layer: l, qkv: qkv, into: attended)
      kernels.finishLayer(layer: l, x: x, attended: attended, h: h, normed: normed, rstd: rstd,
                          gateUp: gateUp, act: act, rows: n)
    }
    return kernels.logProbs(x: x, rows: Array(0..<n))
  }

  /// Row `r`'s cache after `run`: its parent's plus the new token.
  func cache(of r: Int) -> IncrementalDecoder.Cache {
    var cache = parents[r]
    cache.extras.append((store, r))
    return cache
  }

  /// attended[row] = softmax over (prefix, extras, itself) of q·k/√d, times the values.
  private func attend(layer l: Int, qkv: FloatBuffer, into attended: FloatBuffer) {
    let cfg = kernels.config
    let c = cfg.hiddenSize, heads = cfg.numHeads, d = cfg.headDim
    let scale = 1 / Float(d).squareRoot()
    let widest = groups.map(\.count).max() ?? 0
    let longest = (parents.map(\.length).max() ?? 0) + 1
    Parallel.forChunks(groups.count, minChunk: 2) { range in
      // Per chunk: the group's queries [m, C], outputs [m, C] and scores [m, longest].
      var scratch = [Float](repeating: 0, count: widest * (2 * c + longest))
      scratch.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let queries = base, outputs = base + widest * c, scores = base + 2 * widest * c
        for g in range {
          let rows = groups[g], m = rows.count
          let prefix = parents[rows[0]].prefix, plen = prefix.length
          for (j, r) in rows.enumerated() { (queries + j * c).update(from: qkv.pointer(r * 3 * c), count: c) }
          let keys = prefix.rows.key(layer: l, row: prefix.start), vals = prefix.rows.value(layer: l, row: prefix.start)
          for head in 0..<heads {
            let hd = head * d
            BLAS.gemm(transA: false, transB: true, m: m, n: plen, k: d, alpha: scale,
                      a: queries + hd, lda: c, b: keys + hd, ldb: c, beta: 0, c: scores, ldc: longest)
            for (j, r) in rows.enumerated() {
              let parent = parents[r], len = parent.length, q = queries + j * c + hd
              let s = scores + j * longest
              for (e, extra) in parent.extras.enumerated() {
                s[plen + e] = Reductions.dot(q, extra.rows.key(layer: l, row: extra.row) + hd, count: d) * scale
              }
              s[len] = Reductions.dot(q, store.key(layer: l, row: r) + hd, count: d) * scale
              DecodingKernels.softmax(s, count: len + 1)
            }
            BLAS.gemm(transA: false, transB: false, m: m, n: d, k: plen, alpha: 1,
                      a: scores, lda: longest, b: vals + hd, ldb: c, beta: 0, c: outputs + hd, ldc: c)
            for (j, r) in rows.enumerated() {
              let parent = parents[r], len = parent.length
              let s = scores + j * longest, o = outputs + j * c + hd
              for (e, extra) in parent.extras.enumerated() {
                Self.axpy(s[plen + e], extra.rows.value(layer: l, row: extra.row) + hd, o, d)
              }
              Self.axpy(s[len], store.value(layer: l, row: r) + hd, o, d)
            }
          }
          for (j, r) in rows.enumerated() { attended.pointer(r * c).update(from: outputs + j * c, count: c) }
        }
      }
    }
  }

  @inline(__always)
  private static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    for e in 0..<count { y[e] += alpha * x[e] }
  }
}
