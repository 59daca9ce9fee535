/// One owned, contiguous block of `Float`s: parameters, gradients, AdamW moments
/// and activations all live in buffers like this (the llm.c layout: one allocation,
/// named views into it by offset).
///
/// A reference type so the model, the optimizer and the screen's snapshot code can
/// share a buffer without copies; it is `@unchecked Sendable` because ownership is
/// handed over between the engine thread and its readers explicitly (never shared
/// while written).
public final class FloatBuffer: @unchecked Sendable {
  public let count: Int
  public let base: UnsafeMutablePointer<Float>

  public init(count: Int) {
    self.count = count
    base = .allocate(capacity: max(count, 1))
    base.initialize(repeating: 0, count: max(count, 1))
  }

  public convenience init(_ values: [Float]) {
    self.init(count: values.count)
    values.withUnsafeBufferPointer { source in
      // An empty array may have no base address; then there is nothing to copy.
      if let from = source.baseAddress { base.update(from: from, count: values.count) }
    }
  }

  deinit { base.deallocate() }

  public subscript(i: Int) -> Float {
    get { base[i] }
    set { base[i] = newValue }
  }

  public func zero() { base.update(repeating: 0, count: count) }

  /// y[0..<count] += x[0..<count] over raw pointers (the residual adds): the loop vectorizes,
  /// which a loop over the buffers' subscripts does not; large adds split over the cores.
  @inline(__always)
  public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forChunks(count, minChunk: 1 << 16) { range in
      for i in range { y[i] += x[i] }
    }
  }

  public func copy(from other: FloatBuffer) {
    precondition(other.count == count, "buffer sizes differ")
    base.update(from: other.base, count: count)
  }

  public func clone() -> FloatBuffer {
    let c = FloatBuffer(count: count)
    c.copy(from: self)
    return c
  }

  public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }

  /// A view of `count` floats starting at `offset`.
  @inline(__always) public func pointer(_ offset: Int) -> UnsafeMutablePointer<Float> {
    base + offset
  }

  public func slice(_ offset: Int, _ n: Int) -> [Float] {
    Array(UnsafeBufferPointer(start: base + offset, count: n))
  }

  public func write(_ values: [Float], at offset: Int) {
    precondition(offset + values.count <= count, "write past the end of the buffer")
    values.withUnsafeBufferPointer { source in
      if let from = source.baseAddress { (base + offset).update(from: from, count: values.count) }
    }
  }

  /// True if every entry is finite (no NaN or infinity).
  public var allFinite: Bool {
    for i in 0..<count where !base[i].isFinite { return false }
    return true
  }
}
