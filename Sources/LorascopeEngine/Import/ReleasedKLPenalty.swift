import Foundation

/// The softmax-KL penalty of one factor exactly as the released PESO code computes it
/// (`ContinualLoRALinear.compute_kl_divergence_loss`, option `latest`; Docs/Design.md §2), in
/// its training precision: bf16 tensors, every elementwise op rounded to bf16, reductions in
/// float32 rounded once (BFloat16.swift). Step by step, with p current and q previous:
///
///  1. p = softmax(flatten(A)), q = softmax(flatten(A_prev));
///  2. p ← p + 1e-8, q ← q + 1e-8; p ← p / Σp, q ← q / Σq (renormalize);
///  3. KL = Σ p · log(p / q)  (log of the rounded ratio);
///  4. clamp(KL, min: 0).
///
/// `float64` runs the same sequence without rounding, which shows how much of the bf16 value is
/// rounding rather than the update.
public enum ReleasedKLPenalty {
  /// The bf16 value (returned as a Float holding a bf16 number).
  public static func bf16(current: [Float], previous: [Float]) -> Float {
    let p = normalizedBF16(BFloat16.softmax(current.map(BFloat16.round)))
    let q = normalizedBF16(BFloat16.softmax(previous.map(BFloat16.round)))
    var terms = [Float](repeating: 0, count: p.count)
    for i in p.indices {
      let ratio = BFloat16.round(p[i] / q[i])
      let logRatio = BFloat16.round(logf(ratio))
      terms[i] = BFloat16.round(p[i] * logRatio)
    }
    let kl = terms.withUnsafeBufferPointer(BFloat16.sum)
    return max(kl, 0)
  }

  /// The linear's penalty in bf16: KL_A + KL_B, added in bf16 as the released code does.
  public static func linearBF16(a: Float, b: Float) -> Float { BFloat16.round(a + b) }

  /// Steps 2–3 of the sequence in bf16: add 1e-8, renormalize by the bf16 sum.
  static func normalizedBF16(_ probabilities: [Float]) -> [Float] {
    let shifted = probabilities.map { BFloat16.round($0 + 1e-8) }
    let total = shifted.withUnsafeBufferPointer(BFloat16.sum)
    return shifted.map { BFloat16.round($0 / total) }
  }
}
