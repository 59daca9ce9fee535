import Foundation

/// SumLoRA (Docs/Design.md §2, `cumulative-all` / `cumulative-latest`): frozen past adapters are added
/// to a new trainable one. A frozen adapter is a fixed change of W, so it is merged into the
/// backbone weights once per stage: W' = W + s·Σ_p B̂_p Â_p, exact for forward and backward.
///
/// The released code divides each past A and B by its Frobenius norm before adding it
/// (`normalize`); the plain sum is the option.
enum CumulativeAdapters {
  /// Sets `model.weights` to `base` plus the merged `past` adapters.
  public static func mergePast(
    into model: LlamaModel, base: FloatBuffer, past: [FloatBuffer], layout: LoRALayout, normalize: Bool
  ) {
    model.weights.copy(from: base)
    for adapter in past {
      let norm: (LoRAModule) -> Float = { m in
        guard normalize else { return 1 }
        var ss: Double = 0
        for i in 0..<m.count { let x = Double(adapter[m.offset + i]); ss += x * x }
        // A zero B (a fresh adapter) contributes nothing either way.
        return ss > 0 ? Float(1 / ss.squareRoot()) : 0
      }
      model.mergeIntoWeights(layout: layout, values: adapter, scaleA: norm, scaleB: norm)
    }
  }
}
