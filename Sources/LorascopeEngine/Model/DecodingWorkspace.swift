/// The scratch buffers of `IncrementalDecoder`'s passes, kept from call to call: a beam search
/// makes hundreds of passes of similar sizes, and fresh buffers for each cost a zero fill and,
/// for the large ones, fresh pages from the kernel every time. A buffer grows (by half again)
/// when a pass needs more and is otherwise reused as it is: every pass writes what it reads.
///
/// One workspace per decoder; a decoder is used by one thread at a time.
final class DecodingWorkspace {
  /// What a buffer holds.
  enum Slot: Hashable {
    case x, h, normed, qkv, attended, rstd, gateUp, act
    case queries, lastX, lastAttended
    case headInput, headNormed, headRstd, logits
  }

  private var buffers: [Slot: FloatBuffer] = [:]
  private var keyValueStores: [KeyValueRows] = []

  /// Rows of keys and values for a pass to fill, which the caches of its contexts then share.
  /// A store is handed out again only once no cache holds it (the decoder keeps the caches of
  /// its last call, so a pass never overwrites the keys a live context reads).
  func keyValueRows(layers: Int, rows: Int, width: Int) -> KeyValueRows {
    for i in keyValueStores.indices where isKnownUniquelyReferenced(&keyValueStores[i]) {
      if keyValueStores[i].capacity >= rows { return keyValueStores[i] }
      keyValueStores[i] = KeyValueRows(layers: layers, capacity: max(rows, keyValueStores[i].capacity * 3 / 2), width: width)
      return keyValueStores[i]
    }
    let store = KeyValueRows(layers: layers, capacity: rows, width: width)
    keyValueStores.append(store)
    return store
  }

  /// A buffer of at least `count` floats for `slot` (its contents are whatever the last pass left).
  func buffer(_ slot: Slot, count: Int) -> FloatBuffer {
    if let existing = buffers[slot], existing.count >= count { return existing }
    let grown = FloatBuffer(count: max(count, (buffers[slot]?.count ?? 0) * 3 / 2))
    buffers[slot] = grown
    return grown
  }
}
