/// The SwiGLU gate of Llama's MLP (DESIGN §1): act = silu(gate) ⊙ up, silu(z) = z·σ(z).
enum SwiGLU {
  /// σ(z) for 8 lanes, through the vectorized exp.
  @inline(__always)
  private static func sigmoid(_ z: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + FastMath.exp(-z)) }

  static func forward(
    act: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int
  ) {
    Parallel.forChunks(count / 8 + 1, minChunk: 1024) { range in
      for blk in range {
        let lo = blk * 8, n = min(8, count - lo)
        guard n > 0 else { continue }
        var z = SIMD8<Float>(repeating: 0), u = z
        for j in 0..<n { z[j] = gate[lo + j]; u[j] = up[lo + j] }
        let a = z * sigmoid(z) * u
        for j in 0..<n { act[lo + j] = a[j] }
      }
    }
  }

  /// d gate = dact·up·σ(z)(1 + z(1 − σ(z))),  d up = dact·silu(z). Writes (does not accumulate).
  static func backward(
    dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>, dact: UnsafePointer<Float>,
    gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int
  ) {
    Parallel.forChunks(count / 8 + 1, minChunk: 1024) { range in
      for blk in range {
        let lo = blk * 8, n = min(8, count - lo)
        guard n > 0 else { continue }
        var z = SIMD8<Float>(repeating: 0), u = z, d = z
        for j in 0..<n { z[j] = gate[lo + j]; u[j] = up[lo + j]; d[j] = dact[lo + j] }
        let sig = sigmoid(z)
        let du = d * z * sig
        let dg = d * u * sig * (1 + z * (1 - sig))
        for j in 0..<n { dup[lo + j] = du[j]; dgate[lo + j] = dg[j] }
      }
    }
  }
}
