import Foundation

/// The SwiGLU gate of Llama's MLP (DESIGN §1): act = silu(gate) ⊙ up, silu(z) = z·σ(z).
enum SwiGLU {
  static func forward(
    act: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int
  ) {
    for i in 0..<count {
      let z = gate[i]
      act[i] = z / (1 + Foundation.exp(-z)) * up[i]
    }
  }

  /// d gate = dact·up·σ(z)(1 + z(1 − σ(z))),  d up = dact·silu(z). Writes (does not accumulate).
  static func backward(
    dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>, dact: UnsafePointer<Float>,
    gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int
  ) {
    for i in 0..<count {
      let z = gate[i]
      let sig = 1 / (1 + Foundation.exp(-z))
      dup[i] = dact[i] * z * sig
      dgate[i] = dact[i] * up[i] * sig * (1 + z * (1 - sig))
    }
  }
}
