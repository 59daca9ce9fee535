/// The SwiGLU gate of Llama's MLP (Docs/Design.md §1): act = silu(gate) ⊙ up, silu(z) = z·σ(z).
enum SwiGLU {
  /// σ(z) for 8 lanes, through the vectorized exp.
  @inline(__always)
  private static func sigmoid(_ z: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + FastMath.exp(-z)) }

  /// act = silu(gate) ⊙ up; with `sigmoid`, σ(gate) is also written there for the backward.
  static func forward(
    act: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
    sigmoid sigmoidOut: UnsafeMutablePointer<Float>? = nil
  ) {
    let blocks = count / 8
    Parallel.forChunks(blocks, minChunk: 1024) { range in
      for b in range {
        let z = Reductions.load(gate, b * 8)
        let sig = sigmoid(z)
        Reductions.store(z * sig * Reductions.load(up, b * 8), act, b * 8)
        if let sigmoidOut { Reductions.store(sig, sigmoidOut, b * 8) }
      }
    }
    for i in (blocks * 8)..<count {
      let z = gate[i]
      let sig = 1 / (1 + FastMath.exp(-z))
      act[i] = z * sig * up[i]
      sigmoidOut?[i] = sig
    }
  }

  /// d gate = dact·up·σ(z)(1 + z(1 − σ(z))),  d up = dact·silu(z), with σ(z) as the forward
  /// stored it. Writes (does not accumulate).
  static func backward(
    dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>, dact: UnsafePointer<Float>,
    gate: UnsafePointer<Float>, up: UnsafePointer<Float>, sigmoid: UnsafePointer<Float>, count: Int
  ) {
    let blocks = count / 8
    Parallel.forChunks(blocks, minChunk: 1024) { range in
      for b in range {
        let z = Reductions.load(gate, b * 8), u = Reductions.load(up, b * 8)
        let d = Reductions.load(dact, b * 8), sig = Reductions.load(sigmoid, b * 8)
        Reductions.store(d * z * sig, dup, b * 8)
        Reductions.store(d * u * sig * (1 + z * (1 - sig)), dgate, b * 8)
      }
    }
    for i in (blocks * 8)..<count {
      let z = gate[i], sig = sigmoid[i]
      dup[i] = dact[i] * z * sig
      dgate[i] = dact[i] * up[i] * sig * (1 + z * (1 - sig))
    }
  }
}
