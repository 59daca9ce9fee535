/// RMSNorm as Hugging Face Llama computes it (Docs/Design.md §1):
/// y = x · rstd · w with rstd = 1/√(mean(x²) + eps), normalizing before the weight multiply.
/// Shapes: inp, out [rows, C]; weight [C]; rstd [rows] (cached for backward).
enum RMSNorm {
  static func forward(
    out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
    inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, c: Int, eps: Float
  ) {
    Parallel.forChunks(rows, minChunk: 128) { range in
      for r in range {
        let x = inp + r * c, y = out + r * c
        let ss = Reductions.dot(x, x, count: c)
        let s = 1 / (ss / Float(c) + eps).squareRoot()
        rstd[r] = s
        for i in 0..<c { y[i] = (x[i] * s) * weight[i] }
      }
    }
  }

  /// With g = dy ⊙ w:  dx = rstd·g − x·rstd³·(Σ g⊙x)/C;  dw += Σ_rows dy ⊙ x·rstd.
  /// `dweight` is nil for a frozen backbone (no backbone gradients are computed).
  static func backward(
    dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    rstd: UnsafePointer<Float>, rows: Int, c: Int
  ) {
    Parallel.forChunks(rows, minChunk: 128) { range in
      for r in range {
        let x = inp + r * c, dy = dout + r * c, dx = dinp + r * c
        let s = rstd[r]
        let dot = Reductions.dot(dy, weight, x, count: c)
        let k = dot * s * s * s / Float(c)
        for i in 0..<c { dx[i] += s * dy[i] * weight[i] - x[i] * k }
      }
    }
    // The weight gradient sums over rows: done once, serially, to keep it deterministic.
    if let dw = dweight {
      for r in 0..<rows {
        let x = inp + r * c, dy = dout + r * c, s = rstd[r]
        for i in 0..<c { dw[i] += dy[i] * x[i] * s }
      }
    }
  }
}
