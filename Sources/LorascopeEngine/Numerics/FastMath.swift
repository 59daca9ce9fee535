/// A vectorized exp for the hot loops (softmax, SiLU, cross-entropy).
///
/// exp(x) = 2ⁿ · e^r with n = round(x / ln 2), r = x − n ln 2 ∈ [−ln2/2, ln2/2] (ln 2 split in
/// two parts for exactness); e^r by a degree-6 Taylor/Horner polynomial (error < 2e-7 relative
/// on that interval, i.e. about 1 ulp of Float32), 2ⁿ built in the exponent bits.
/// Inputs are clamped to [−87.3, 88.7], so exp(−∞) gives ≈ 1e-38 instead of 0 and never NaN.
enum FastMath {
  @inline(__always)
  public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Mask-and-replace compiles to vector compares; `clamped` stays a lane-by-lane call.
    var clamped = x.replacing(with: -87.3, where: x .< -87.3)
    clamped = clamped.replacing(with: 88.7, where: clamped .> 88.7)
    // Round to nearest with the 1.5·2²³ trick: the sum's low mantissa bits hold n as an integer
    // (generic SIMD rounding and Int conversion are not specialized and cost 10× more).
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693_145_75
    r = r - n * 1.428_606_8e-6
    var p = SIMD8<Float>(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let bits = (integer &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
  }

  /// exp applied in place to `count` floats.
  @inline(__always)
  public static func expInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
      let v = UnsafeMutableRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(x + i).storeBytes(of: exp(v), as: SIMD8<Float>.self)
      i += 8
    }
    if i < count {
      var tail = SIMD8<Float>(repeating: 0)
      for j in 0..<(count - i) { tail[j] = x[i + j] }
      let e = exp(tail)
      for j in 0..<(count - i) { x[i + j] = e[j] }
    }
  }

  @inline(__always)
  public static func exp(_ x: Float) -> Float { exp(SIMD8<Float>(repeating: x))[0] }
}
