/// Inverted dropout masks: each entry is kept with probability 1 − p and scaled by 1/(1 − p).
/// Two kinds use them (Docs/Design.md §1): LoRA dropout on each adapter's input
/// (y = x Wᵀ + s·(x_d Aᵀ) Bᵀ with x_d = mask ⊙ x), and hidden dropout on the residual stream's
/// inputs while the backbone pretrains (`HiddenDropout`).
///
/// A mask takes one uniform draw per padded position (b, t) and feature, in flat order, from its
/// own stream: entry f of flat position i = b·T + t is the (i·features + f)-th draw.
/// SplitMix64 reaches any draw directly (`SeededRNG.skip`), so the rows fill on every core with
/// exactly the values one pass over the stream gives, and the padding's draws are skipped rather
/// than made (the masks of real positions do not depend on whether the padding is computed).
enum DropoutMask {
  /// Fills `mask` and `dropped` = mask ⊙ `input` on the packed rows ([rows, inFeatures] each);
  /// `dropped` may be `input` itself (in place).
  static func apply(
    input: FloatBuffer, mask: FloatBuffer, dropped: FloatBuffer, rows: PackedRows, inFeatures inF: Int,
    probability p: Float, stream: SeededRNG
  ) {
    let keep = 1 / (1 - p), drop = Double(p), flat = rows.flat
    Parallel.forChunks(rows.count, minChunk: 32) { range in
      for r in range {
        var rng = stream
        rng.skip(Int(flat[r]) * inF)
        let m = mask.pointer(r * inF), x = input.pointer(r * inF), d = dropped.pointer(r * inF)
        for f in 0..<inF {
          m[f] = rng.nextUniform() < drop ? 0 : keep
          d[f] = x[f] * m[f]
        }
      }
    }
  }

  /// dx += mask ⊙ g over the packed rows: the input gradient through the mask.
  static func addMasked(_ g: FloatBuffer, mask: FloatBuffer, into dx: FloatBuffer, count: Int) {
    Parallel.forChunks(count, minChunk: 1 << 14) { range in
      for i in range { dx[i] += g[i] * mask[i] }
    }
  }
}
