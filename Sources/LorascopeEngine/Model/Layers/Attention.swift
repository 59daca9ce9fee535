/// Causal multi-head self-attention over q, k, v of shape [rows, heads·d], the rows of each
/// sequence packed back to back (`PackedRows`; Docs/Design.md §1):
/// scores = q kᵀ/√d with an additive causal mask, softmax per row, out = P v.
/// Each (sequence, head) pair is a strided sgemm, as in llm.c's `attention_forward`.
enum CausalAttention {
  /// probs: [len, len] per (sequence, head) at `rows.probStarts` (cached for backward);
  /// out: [rows, heads·d].
  static func forward(
    out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    rows: PackedRows, headDim d: Int
  ) {
    let heads = rows.heads, width = heads * d
    let scale = 1 / Float(d).squareRoot()
    // (sequence, head) pairs are independent: split them over the cores by their cost (len²).
    StepPhaseClock.attention {
      Parallel.forChunks(balancing: rows.attentionPairCosts) { pairs in
        for pair in pairs {
          let b = pair / heads, h = pair % heads, t = rows.lengths[b]
          let off = rows.starts[b] * width + h * d
          let p = probs + rows.probStarts[b] + h * t * t
          BLAS.gemm(
            transA: false, transB: true, m: t, n: t, k: d, alpha: scale,
            a: q + off, lda: width, b: k + off, ldb: width, beta: 0, c: p, ldc: t)
          for i in 0..<t {
            let row = p + i * t
            let mx = Reductions.maximum(row, count: i + 1)
            for j in 0...i { row[j] -= mx }
            FastMath.expInPlace(row, count: i + 1)
            let inv = 1 / Reductions.sum(row, count: i + 1)
            for j in 0...i { row[j] *= inv }
            for j in (i + 1)..<max(t, i + 1) { row[j] = 0 }
          }
          BLAS.gemm(
            transA: false, transB: false, m: t, n: d, k: t, alpha: 1,
            a: p, lda: t, b: v + off, ldb: width, beta: 0, c: out + off, ldc: width)
        }
      }
    }
  }

  /// Writes dq, dk, dv (no accumulation). `scratch` holds `rows.probCount` floats.
  /// dP = dO vᵀ, dv = Pᵀ dO, dS = P ⊙ (dP − rowsum(P ⊙ dP))/√d, dq = dS k, dk = dSᵀ q.
  static func backward(
    dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>, probs: UnsafePointer<Float>,
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, rows: PackedRows, headDim d: Int
  ) {
    let heads = rows.heads, width = heads * d
    let scale = 1 / Float(d).squareRoot()
    StepPhaseClock.attention {
      Parallel.forChunks(balancing: rows.attentionPairCosts) { pairs in
        for pair in pairs {
          let b = pair / heads, h = pair % heads, t = rows.lengths[b]
          let off = rows.starts[b] * width + h * d
          let p = probs + rows.probStarts[b] + h * t * t
          let dp = scratch + rows.probStarts[b] + h * t * t
          BLAS.gemm(
            transA: false, transB: true, m: t, n: t, k: d, alpha: 1,
            a: dout + off, lda: width, b: v + off, ldb: width, beta: 0, c: dp, ldc: t)
          BLAS.gemm(
            transA: true, transB: false, m: t, n: d, k: t, alpha: 1,
            a: p, lda: t, b: dout + off, ldb: width, beta: 0, c: dv + off, ldc: width)
          for i in 0..<t {
            let pr = p + i * t, dr = dp + i * t
            let dot = Reductions.dot(pr, dr, count: i + 1)
            for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) * scale }
            for j in (i + 1)..<max(t, i + 1) { dr[j] = 0 }
          }
          BLAS.gemm(
            transA: false, transB: false, m: t, n: d, k: t, alpha: 1,
            a: dp, lda: t, b: k + off, ldb: width, beta: 0, c: dq + off, ldc: width)
          BLAS.gemm(
            transA: true, transB: false, m: t, n: d, k: t, alpha: 1,
            a: dp, lda: t, b: q + off, ldb: width, beta: 0, c: dk + off, ldc: width)
        }
      }
    }
  }
}
