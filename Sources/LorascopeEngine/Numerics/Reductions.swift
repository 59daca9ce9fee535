/// Row reductions for the hot loops (norms, softmax, cross-entropy, attention), in eight lanes.
///
/// A plain `for` loop that sums or takes a maximum runs one dependent add after another (the
/// compiler keeps the written order of float additions), about four cycles per element; eight
/// lanes run eight chains side by side. The maximum is exact in any order. The sums and dot
/// products add in another order than the plain loop, so they differ from it by float rounding
/// only, and are the same from run to run.
enum Reductions {
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
  }

  /// Writes eight lanes at p[i..<i+8] (any alignment).
  @inline(__always)
  static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
  }

  /// max of p[0..<count]; −∞ when count is 0.
  @inline(__always)
  public static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= count {
      let v = load(p, i)
      lanes = lanes.replacing(with: v, where: v .> lanes)
      i += 8
    }
    var m = lanes.max()
    while i < count {
      if p[i] > m { m = p[i] }
      i += 1
    }
    return m
  }

  /// Σ p[0..<count] in Float.
  @inline(__always)
  public static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= count {
      lanes += load(p, i)
      i += 8
    }
    var s = lanes.sum()
    while i < count {
      s += p[i]
      i += 1
    }
    return s
  }

  /// Σ p[0..<count] accumulated in Float64 (the log-sum-exp of softmax and cross-entropy), four chains.
  @inline(__always)
  public static func sumInDouble(_ p: UnsafePointer<Float>, count: Int) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var i = 0
    while i + 4 <= count {
      s0 += Double(p[i])
      s1 += Double(p[i + 1])
      s2 += Double(p[i + 2])
      s3 += Double(p[i + 3])
      i += 4
    }
    while i < count {
      s0 += Double(p[i])
      i += 1
    }
    return (s0 + s1) + (s2 + s3)
  }

  /// Σ a[i]·b[i] over 0..<count.
  @inline(__always)
  public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= count {
      lanes += load(a, i) * load(b, i)
      i += 8
    }
    var s = lanes.sum()
    while i < count {
      s += a[i] * b[i]
      i += 1
    }
    return s
  }

  /// Σ a[i]·b[i]·c[i] over 0..<count (RMSNorm's backward).
  @inline(__always)
  public static func dot(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, count: Int
  ) -> Float {
    var lanes = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= count {
      lanes += load(a, i) * load(b, i) * load(c, i)
      i += 8
    }
    var s = lanes.sum()
    while i < count {
      s += a[i] * b[i] * c[i]
      i += 1
    }
    return s
  }
}
