/// Hidden dropout on the residual stream (Docs/Design.md §1, Docs/Math.md §7): while the backbone
/// pretrains, the embedding output and each sublayer's output are masked before they join the
/// residual stream, as SASRec and TIGER train:
///
///   x₀ = m₀ ⊙ E[tokens];   h = x + m_{2l+1} ⊙ o(attn(…));   x' = h + m_{2l+2} ⊙ down(…)
///
/// The backward multiplies the same masks into the gradients that flow into the sublayers and
/// the embedding rows; the residual path itself carries no mask. Why: on Video_Games' sparse
/// block 0 the backbone overfits from about epoch 8 without it (Docs/Results.md, "Does the model
/// beat counting?").
///
/// Each site's mask is drawn from its own stream of the step's dropout seed
/// (`SeedStream.Purpose.hiddenDropoutMask`, index = site), one draw per padded position and
/// feature (`DropoutMask`), so a seed gives the same masks on real positions with or without
/// packing.
final class HiddenDropout {
  /// The probability p of zeroing an entry (kept entries are scaled by 1/(1 − p)).
  let probability: Float
  /// The masks of the last forward pass, one per site, [rows, C] each.
  private var masks: [FloatBuffer]
  private let hidden: Int

  /// The embedding output's site.
  static let embeddingSite = 0
  /// The site of layer `layer`'s attention output (o_proj, before the residual add).
  static func attentionSite(layer: Int) -> Int { 2 * layer + 1 }
  /// The site of layer `layer`'s MLP output (down_proj, before the residual add).
  static func mlpSite(layer: Int) -> Int { 2 * layer + 2 }

  init(probability: Float, layers: Int, hidden: Int) {
    self.probability = probability
    self.hidden = hidden
    masks = (0..<(2 * layers + 1)).map { _ in FloatBuffer(count: 0) }
  }

  /// values ← mask ⊙ values at `site` on the packed rows, drawing the site's mask for this step.
  func apply(to values: FloatBuffer, site: Int, rows: PackedRows, seed: UInt64) {
    if masks[site].count < rows.count * hidden { masks[site] = FloatBuffer(count: rows.count * hidden) }
    DropoutMask.apply(
      input: values, mask: masks[site], dropped: values, rows: rows, inFeatures: hidden,
      probability: probability, stream: SeedStream(root: seed).generator(.hiddenDropoutMask, site))
  }

  /// out = mask ⊙ g at `site` over `count` entries: the gradient that enters the masked sublayer.
  func masked(_ g: FloatBuffer, site: Int, into out: FloatBuffer, count: Int) {
    let mask = masks[site]
    Parallel.forChunks(count, minChunk: 1 << 14) { range in
      for i in range { out[i] = g[i] * mask[i] }
    }
  }
}
