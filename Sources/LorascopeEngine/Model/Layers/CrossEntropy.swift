import Foundation

/// Softmax cross-entropy over the rows that carry a target (Docs/Design.md §2), with an optional
/// temperature τ (the paper's recipe: CE on logits/0.8).
enum CrossEntropy {
  /// Computes the per-row loss −log softmax(z/τ)[y] and overwrites `logits` with
  /// d(loss_row)/dz · rowScale = (softmax(z/τ) − onehot(y))/τ · rowScale.
  /// Returns the per-row losses (Float64 accumulation of the log-sum-exp).
  static func lossAndGradient(
    logits: UnsafeMutablePointer<Float>, targets: [Int32], vocab: Int, temperature: Float,
    rowScale: Float, losses: inout [Double]
  ) {
    let invT = 1 / temperature
    losses = [Double](repeating: 0, count: targets.count)
    losses.withUnsafeMutableBufferPointer { out in
      // Safe unwrap: `losses` and `targets` have one entry per output row; callers return early for zero rows.
      let out = out.baseAddress!
      targets.withUnsafeBufferPointer { ys in
        let ys = ys.baseAddress!
        Parallel.forChunks(targets.count, minChunk: 32) { rows in
          for r in rows {
            let z = logits + r * vocab
            // Rounding is monotone, so the largest z/τ is the largest z, divided by τ.
            let mx = Reductions.maximum(z, count: vocab) * invT
            let yi = Int(ys[r])
            // log p(y) = z_y/τ − max − log Σ exp(z/τ − max), kept in Float64.
            let shiftedTarget = Double(z[yi] * invT - mx)
            for j in 0..<vocab { z[j] = z[j] * invT - mx }
            FastMath.expInPlace(z, count: vocab)
            let sum = Reductions.sumInDouble(z, count: vocab)
            out[r] = Foundation.log(sum) - shiftedTarget
            let k = Float(1 / sum) * invT * rowScale
            for j in 0..<vocab { z[j] *= k }
            z[yi] -= invT * rowScale
          }
        }
      }
    }
  }

  /// log-softmax of each row in place (for scoring and beam search).
  static func logSoftmax(_ logits: UnsafeMutablePointer<Float>, rows: Int, vocab: Int) {
    Parallel.forChunks(rows, minChunk: 16) { range in
      for r in range {
      let z = logits + r * vocab
      var mx = -Float.infinity
      for j in 0..<vocab { mx = max(mx, z[j]) }
      var sum: Double = 0
      for j in 0..<vocab { sum += Double(Foundation.exp(z[j] - mx)) }
      let lse = mx + Float(Foundation.log(sum))
      for j in 0..<vocab { z[j] -= lse }
      }
    }
  }
}
