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
enum ReleasedKLPenalty {
  /// The bf16 value (returned as a Float holding a bf16 number): the training penalty's own
  /// bf16 emulation (BFloat16SoftmaxKL.swift), so inspection and `--penalty-precision bf16`
  /// cannot drift apart.
  public static func bf16(current: [Float], previous: [Float]) -> Float {
    current.withUnsafeBufferPointer { c in
      previous.withUnsafeBufferPointer { p in BFloat16SoftmaxKL.evaluate(current: c, previous: p, gradient: false).value }
    }
  }

  /// The linear's penalty in bf16: KL_A + KL_B, added in bf16 as the released code does.
  public static func linearBF16(a: Float, b: Float) -> Float { BFloat16.round(a + b) }
}
