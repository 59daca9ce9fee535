import Foundation

/// Softmax cross-entropy over the rows that carry a target (DESIGN §2), with an optional
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
    losses.removeAll(keepingCapacity: true)
    for (r, y) in targets.enumerated() {
      let z = logits + r * vocab
      var mx = -Float.infinity
      for j in 0..<vocab { mx = max(mx, z[j] * invT) }
      var sum: Double = 0
      for j in 0..<vocab {
        let e = Foundation.exp(z[j] * invT - mx)
        z[j] = e
        sum += Double(e)
      }
      let yi = Int(y)
      let pTarget = Double(z[yi]) / sum
      losses.append(-Foundation.log(max(pTarget, Double.leastNormalMagnitude)))
      let k = Float(1 / sum) * invT * rowScale
      for j in 0..<vocab { z[j] *= k }
      z[yi] -= invT * rowScale
    }
  }

  /// log-softmax of each row in place (for scoring and beam search).
  static func logSoftmax(_ logits: UnsafeMutablePointer<Float>, rows: Int, vocab: Int) {
    for r in 0..<rows {
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
