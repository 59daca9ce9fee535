import Foundation

/// Which arithmetic the softmax-KL penalty uses (`--penalty-precision`).
public enum PenaltyPrecision: String, Codable, Sendable, CaseIterable {
  /// Float64 log-softmax, the exact KL and its gradient (lorascope's default).
  case exact
  /// The released PESO code's op sequence in bfloat16 (`BFloat16SoftmaxKL`).
  case bf16
}

/// The released PESO code's softmax-KL of one module and its gradient, emulated in bfloat16
/// (Docs/Design.md §2; Docs/Math.md "The penalty in bfloat16").
///
/// The released code trains with `--bf16`: the factors and their snapshot are bfloat16 tensors
/// and every op runs on them. PyTorch's CPU/GPU bf16 kernels accumulate reductions (softmax,
/// sum) in float32 and round their output to bf16; elementwise ops round each result. The
/// forward, per module with current v and snapshot v_prev (both first rounded to bf16):
///
///     p₀ = softmax(v)            (float32 inside, output rounded)
///     p₁ = p₀ + 1e-8             (rounded: the 1e-8 vanishes next to p ≈ 1/m)
///     s  = Σ p₁                  (float32 accumulation, rounded)
///     p  = p₁ / s                (rounded)            — the same for q from v_prev
///     r  = p / q,  l = log r,  t = p · l   (each rounded)
///     KL = max(Σ t, 0)           (float32 accumulation, rounded, then clamped)
///
/// and the gradient is autograd's backward through the same ops, each result rounded to
/// bf16 (with upstream gradient 1: the caller multiplies by λ_eff in float32):
///
///     dl = p,  dp = l + dr/q with dr = dl / r
///     dp₁ = dp / s + ds,  ds = Σ (−dp · ((p₁/s)/s))     (the division's two backward terms)
///     dv = p₀ · (dp₁ − Σ dp₁ p₀)                        (softmax backward, float32 inside)
///
/// When the clamp is active (Σ t < 0) the gradient is zero, as autograd gives.
enum BFloat16SoftmaxKL {
  /// The rounded probabilities of one side: (p₀, p₁, s, p).
  struct Side {
    var p0: [Float]
    var p1: [Float]
    var sum: Float
    var p: [Float]
  }

  static func side(_ logits: UnsafeBufferPointer<Float>) -> Side {
    let b = BFloat16.round
    let p0 = BFloat16.softmax(logits.map(b))
    let p1 = p0.map { b($0 + 1e-8) }
    let s = p1.withUnsafeBufferPointer(BFloat16.sum)
    let p = p1.map { b($0 / s) }
    return Side(p0: p0, p1: p1, sum: s, p: p)
  }

  /// KL(p ‖ q) of one module in the released code's bf16 arithmetic, and ∂KL/∂v when asked.
  ///
  /// - Parameters:
  ///   - current: v of the module (any float32 values; rounded to bf16 first).
  ///   - previous: v_prev, the snapshot.
  /// - Returns: the clamped KL (a bf16 value) and, when `gradient` is true, ∂KL/∂v (bf16 values).
  public static func evaluate(
    current: UnsafeBufferPointer<Float>, previous: UnsafeBufferPointer<Float>, gradient: Bool
  ) -> (value: Float, gradient: [Float]?) {
    precondition(current.count == previous.count, "softmax-KL: the module and its snapshot differ in size")
    let n = current.count
    guard n > 0 else { return (0, gradient ? [] : nil) }
    let b = BFloat16.round
    let cur = side(current), prev = side(previous)
    var r = [Float](repeating: 0, count: n)
    var l = [Float](repeating: 0, count: n)
    var sum: Float = 0
    for i in 0..<n {
      r[i] = b(cur.p[i] / prev.p[i])
      l[i] = b(Foundation.log(r[i]))
      sum += b(cur.p[i] * l[i])
    }
    let raw = b(sum)
    let value = max(raw, 0)
    guard gradient else { return (value, nil) }
    // clamp(min: 0) passes the gradient where its input is ≥ 0 (autograd's mask).
    guard raw >= 0 else { return (value, [Float](repeating: 0, count: n)) }
    var dp = [Float](repeating: 0, count: n)
    for i in 0..<n {
      let dl = cur.p[i]  // ∂(p·l)/∂l with upstream 1
      let dr = b(dl / r[i])  // log backward
      let fromRatio = b(dr / prev.p[i])  // (p/q) backward w.r.t. p
      dp[i] = b(l[i] + fromRatio)  // ∂(p·l)/∂p = l, accumulated with the ratio's term
    }
    // p = p₁ / s: ∂/∂p₁ = dp / s, ∂/∂s = Σ −dp · ((p₁/s)/s).
    var ds: Float = 0
    for i in 0..<n {
      let quotient = b(b(cur.p1[i] / cur.sum) / cur.sum)
      ds += b(-dp[i] * quotient)
    }
    ds = b(ds)
    var dp1 = [Float](repeating: 0, count: n)
    for i in 0..<n { dp1[i] = b(b(dp[i] / cur.sum) + ds) }
    // p₁ = p₀ + 1e-8 passes dp₁ through; softmax backward in float32, output rounded.
    var dot: Float = 0
    for i in 0..<n { dot += dp1[i] * cur.p0[i] }
    let dv = (0..<n).map { b(cur.p0[$0] * (dp1[$0] - dot)) }
    return (value, dv)
  }
}
