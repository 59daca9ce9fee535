/// Keys (after rotary) and values of every layer for the rows of one decoding pass, [rows, C]
/// per layer; the caches of the contexts it scored point into it instead of copying (Docs/Math.md §38).
final class KeyValueRows {
  let keys: [FloatBuffer]
  let values: [FloatBuffer]
  /// Rows each buffer holds.
  let capacity: Int
  let width: Int

  init(layers: Int, capacity: Int, width: Int) {
    keys = (0..<layers).map { _ in FloatBuffer(count: capacity * width) }
    values = (0..<layers).map { _ in FloatBuffer(count: capacity * width) }
    self.capacity = capacity
    self.width = width
  }

  @inline(__always)
  func key(layer l: Int, row: Int) -> UnsafeMutablePointer<Float> { keys[l].pointer(row * width) }

  @inline(__always)
  func value(layer l: Int, row: Int) -> UnsafeMutablePointer<Float> { values[l].pointer(row * width) }
}
