import Foundation

/// bfloat16 and IEEE half precision as PyTorch stores them, emulated on `Float`.
///
/// The released PESO code trains in bf16 (Docs/Design.md §2): every elementwise op rounds its
/// result to bf16 (round to nearest, ties to even) while reductions accumulate in float32 and
/// round once at the end. `BFloat16.round` is that rounding, so a computation written with it
/// reproduces the released code's numbers bit for bit where PyTorch does the same op order.
enum BFloat16 {
  /// `x` rounded to the nearest bf16 value (ties to even), returned as a `Float`.
  /// NaN stays NaN; values beyond the bf16 range round to ±∞ exactly like PyTorch.
  @inline(__always)
  public static func round(_ x: Float) -> Float {
    Float(bitPattern: UInt32(bits(x)) << 16)
  }

  /// The 16 bits of `x` rounded to bf16 (the upper half of its float32 pattern, rounded).
  @inline(__always)
  public static func bits(_ x: Float) -> UInt16 {
    let pattern = x.bitPattern
    if x.isNaN { return UInt16(truncatingIfNeeded: pattern >> 16) | 0x0040 }
    let lsb = (pattern >> 16) & 1
    return UInt16(truncatingIfNeeded: (pattern &+ 0x7FFF &+ lsb) >> 16)
  }

  /// The `Float` a bf16 bit pattern stands for (exact: bf16 is a truncated float32).
  @inline(__always)
  public static func float(bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
  }
}

/// IEEE 754 binary16 (safetensors `F16`) decoding, written out so it does not depend on the
/// platform's `Float16` support.
enum HalfFloat {
  /// The `Float` a binary16 bit pattern stands for (exact, subnormals and NaN included).
  public static func float(bits: UInt16) -> Float {
    let sign = UInt32(bits >> 15) << 31
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
      // ±0 or subnormal: mantissa · 2⁻²⁴.
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    case 31:
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    default:
      return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
    }
  }
}

extension BFloat16 {
  /// A bf16 reduction as PyTorch computes it: the inputs (already bf16 values) are summed in
  /// higher precision and the result is rounded to bf16 once. PyTorch accumulates in float32
  /// with a cascade sum that is accurate to a few float32 ulps; summing in Double and rounding
  /// to float32 first gives the correctly rounded float32 sum, which agrees with it except in
  /// the rare case that the two straddle a bf16 rounding boundary.
  public static func sum(_ values: UnsafeBufferPointer<Float>) -> Float {
    var total = 0.0
    for v in values { total += Double(v) }
    return round(Float(total))
  }

  /// `torch.softmax` of a bf16 vector: max and exp(x − max) in float32, the sum of the
  /// exponentials in float32, then each output `exp · (1/sum)` rounded to bf16.
  public static func softmax(_ x: [Float]) -> [Float] {
    guard let top = x.max() else { return [] }
    let exps = x.map { expf($0 - top) }
    var total = 0.0
    for e in exps { total += Double(e) }
    let inverse = 1 / Float(total)
    return exps.map { round($0 * inverse) }
  }
}
