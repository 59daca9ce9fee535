/// Causal multi-head self-attention over q, k, v of shape [rows, heads·d], the rows of each
/// sequence packed back to back (`PackedRows`; Docs/Design.md §1):
/// scores = q kᵀ/√d with an additive causal mask, softmax per row, out = P v.
/// Each (sequence, head) pair is a few strided sgemm calls, as in llm.c's `attention_forward`,
/// cut into blocks of rows so the sums over positions skip much of the masked upper triangle
/// (`CausalBlocks`; Docs/Math.md §5).
enum CausalAttention {
  /// probs: [len, len] per (sequence, head) at `rows.probStarts` (cached for backward; zero
  /// above the diagonal); out: [rows, heads·d].
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
          // The scores stay one product: cut into blocks of 32 rows, OpenBLAS computes some of
          // them with other roundings (another kernel for the smaller shapes; Docs/Math.md §5).
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
          lowerTimes(p, v + off, into: out + off, length: t, width: width, headDim: d)
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
          // dP is one product, like the forward's scores.
          BLAS.gemm(
            transA: false, transB: true, m: t, n: t, k: d, alpha: 1,
            a: dout + off, lda: width, b: v + off, ldb: width, beta: 0, c: dp, ldc: t)
          lowerTransposedTimes(p, dout + off, into: dv + off, length: t, width: width, headDim: d)
          for i in 0..<t {
            let pr = p + i * t, dr = dp + i * t
            let dot = Reductions.dot(pr, dr, count: i + 1)
            for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) * scale }
            for j in (i + 1)..<max(t, i + 1) { dr[j] = 0 }
          }
          lowerTimes(dp, k + off, into: dq + off, length: t, width: width, headDim: d)
          lowerTransposedTimes(dp, q + off, into: dk + off, length: t, width: width, headDim: d)
        }
      }
    }
  }

  /// c = L · b for a lower-triangular L [t, t] (P or dS) and b, c [t, d] with row stride
  /// `width`: rows i0..<i1 of c need L's columns 0..<i1 only.
  private static func lowerTimes(
    _ l: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
    length t: Int, width: Int, headDim d: Int
  ) {
    for block in CausalBlocks(length: t) {
      BLAS.gemm(
        transA: false, transB: false, m: block.count, n: d, k: block.upperBound, alpha: 1,
        a: l + block.lowerBound * t, lda: t, b: b, ldb: width,
        beta: 0, c: c + block.lowerBound * width, ldc: width)
    }
  }

  /// c = Lᵀ · b for a lower-triangular L [t, t]: rows j0..<j1 of c need L's rows j0..<t only.
  private static func lowerTransposedTimes(
    _ l: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
    length t: Int, width: Int, headDim d: Int
  ) {
    for block in CausalBlocks(length: t) {
      BLAS.gemm(
        transA: true, transB: false, m: block.count, n: d, k: t - block.lowerBound, alpha: 1,
        a: l + block.lowerBound * t + block.lowerBound, lda: t, b: b + block.lowerBound * width,
        ldb: width, beta: 0, c: c + block.lowerBound * width, ldc: width)
    }
  }
}

/// The row blocks 0..<s, s..<2s, … of a causal product over `length` positions. Block i0..<i1
/// of a sum over keys j ≤ i needs keys 0..<i1 only, and block j0..<j1 of a sum over rows i ≥ j
/// needs rows j0..<length only: every term skipped is an exact zero (Docs/Math.md §5).
struct CausalBlocks: Sequence, IteratorProtocol {
  /// Rows per block: small enough to skip most of the triangle, large enough that each sgemm
  /// call still runs OpenBLAS's kernel on full register tiles.
  static let rows = 32
  let length: Int
  private var cursor = 0

  init(length: Int) { self.length = length }

  mutating func next() -> Range<Int>? {
    guard cursor < length else { return nil }
    let start = cursor
    cursor = Swift.min(length, cursor + Self.rows)
    return start..<cursor
  }
}
