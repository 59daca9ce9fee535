import Foundation

/// Rotary position embedding with Hugging Face's `rotate_half` convention (Docs/Design.md §1):
/// dimension j of a head rotates with j + d/2 (not the interleaved pairs of Meta's code).
/// inv_freq[j] = 1/θ^(2j/d) in Float32 as transformers computes it.
struct RotaryTable: Sendable {
  let headDim: Int
  let maxPositions: Int
  /// cos and sin of position·inv_freq, [maxPositions, headDim/2].
  let cos: [Float]
  let sin: [Float]

  init(headDim: Int, maxPositions: Int, theta: Float) {
    let half = headDim / 2
    var c = [Float](repeating: 0, count: maxPositions * half)
    var s = c
    for j in 0..<half {
      let invFreq: Float = 1 / Foundation.pow(theta, Float(2 * j) / Float(headDim))
      for t in 0..<maxPositions {
        let angle = Float(t) * invFreq
        c[t * half + j] = Foundation.cos(angle)
        s[t * half + j] = Foundation.sin(angle)
      }
    }
    self.headDim = headDim
    self.maxPositions = maxPositions
    cos = c
    sin = s
  }

  /// In place on x [rows, heads·headDim], row i at position `rows.positions[i]`:
  /// x'[j] = x[j]cos − x[j+h]sin, x'[j+h] = x[j+h]cos + x[j]sin.
  func apply(_ x: UnsafeMutablePointer<Float>, rows: PackedRows) {
    rotate(x, rows: rows, sign: 1)
  }

  /// The transpose (inverse) rotation, which is the backward of `apply`.
  func applyBackward(_ dx: UnsafeMutablePointer<Float>, rows: PackedRows) {
    rotate(dx, rows: rows, sign: -1)
  }

  private func rotate(_ x: UnsafeMutablePointer<Float>, rows packed: PackedRows, sign: Float) {
    let heads = packed.heads, positions = packed.positions
    let half = headDim / 2
    let width = heads * headDim
    cos.withUnsafeBufferPointer { cp in
      sin.withUnsafeBufferPointer { sp in
        // Safe unwrap: the tables hold maxPositions · headDim/2 ≥ 1 entries (ModelConfig.validate).
        let cpBase = cp.baseAddress!, spBase = sp.baseAddress!
        Parallel.forChunks(packed.count, minChunk: 256) { rows in
          for i in rows {
            let t = Int(positions[i])
            let row = x + i * width
            let ct = cpBase + t * half, st = spBase + t * half
            for h in 0..<heads {
              let v = row + h * headDim
              // Eight lanes at a time where the half fits, the scalar's arithmetic in every lane.
              var j = 0
              while j + 8 <= half {
                let a = Reductions.load(v, j), bb = Reductions.load(v, j + half)
                let c = Reductions.load(ct, j), s = sign * Reductions.load(st, j)
                Reductions.store(a * c - bb * s, v, j)
                Reductions.store(bb * c + a * s, v, j + half)
                j += 8
              }
              while j < half {
                let a = v[j], bb = v[j + half]
                let c = ct[j], s = sign * st[j]
                v[j] = a * c - bb * s
                v[j + half] = bb * c + a * s
                j += 1
              }
            }
          }
        }
      }
    }
  }
}
