/// The scratch buffers of `IncrementalDecoder`'s passes, kept from call to call: a beam search
/// makes hundreds of passes of similar sizes, and fresh buffers for each cost a zero fill and,
/// for the large ones, fresh pages from the kernel every time. A buffer grows (by half again)
/// when a pass needs more and is otherwise reused as it is: every pass writes what it reads.
///
/// One workspace per decoder; a decoder is used by one thread at a time.
final class DecodingWorkspace {
  /// What a buffer holds; the layer-indexed cases are the prefill's per-layer keys and values.
  enum Slot: Hashable {
    case x, h, normed, qkv, attended, rstd, gateUp, act
    case queries, keys(layer: Int), values(layer: Int), lastX, lastAttended
    case newKeys, newValues
    case headInput, headNormed, headRstd, logits
  }

  private var buffers: [Slot: FloatBuffer] = [:]

  /// A buffer of at least `count` floats for `slot` (its contents are whatever the last pass left).
  func buffer(_ slot: Slot, count: Int) -> FloatBuffer {
    if let existing = buffers[slot], existing.count >= count { return existing }
    let grown = FloatBuffer(count: max(count, (buffers[slot]?.count ?? 0) * 3 / 2))
    buffers[slot] = grown
    return grown
  }
}
