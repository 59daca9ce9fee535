/// Short, allocation-light number formatting for axis labels and tables.
///
/// Written out by hand (no `String(format:)`) so a frame full of labels stays
/// within the frame budget, and so the output is the same on every platform.
public enum NumberFormat {
  /// `value` with exactly `decimals` digits after the point ("0.350", "-12.0").
  /// NaN and infinities read "nan", "inf", "-inf".
  public static func fixed(_ value: Double, decimals: Int) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    let d = min(max(decimals, 0), 12)
    var scale = 1.0
    for _ in 0..<d { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e15 else { return scientific(value, significant: 3) }
    let units = UInt64(scaled)
    let whole = units / UInt64(scale)
    var text = (value < 0 && units != 0 ? "-" : "") + String(whole)
    if d > 0 {
      let fraction = String(units % UInt64(scale))
      text += "." + String(repeating: "0", count: d - fraction.count) + fraction
    }
    return text
  }

  /// `value` in at most about `significant` significant digits, switching to
  /// scientific notation for very large or small magnitudes ("2.31", "0.042",
  /// "1.5e-5", "3.2e+5"). Trailing zeros after the point are dropped.
  public static func compact(_ value: Double, significant: Int = 3) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1e5 || magnitude < 1e-3 { return scientific(value, significant: significant) }
    let exponent = decimalExponent(magnitude)
    let decimals = max(0, significant - 1 - exponent)
    return trimZeros(fixed(value, decimals: decimals))
  }

  /// `value` as mantissa and exponent: "1.5e-5", "-3.2e+5", "1e+0".
  /// A small positive value as "3×10⁻⁵" (one significant digit, superscript exponent; ASCII
  /// mode spells it "3x10^-5"); values ≥ 0.1, zero and non-finite ones fall back to `compact`.
  public static func powerOfTen(_ value: Double) -> String {
    guard value.isFinite, value > 0, value < 0.1 else { return compact(value) }
    var exponent = decimalExponent(value)
    var mantissa = Int((value / power10(exponent)).rounded())
    if mantissa >= 10 {
      mantissa = 1
      exponent += 1
    }
    let superscripts: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    let digits = String(String(-exponent).map { superscripts[Int(String($0)) ?? 0] })
    return (mantissa == 1 ? "" : "\(mantissa)×") + "10⁻" + digits
  }

  public static func scientific(_ value: Double, significant: Int = 3) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    if value == 0 { return "0" }
    let magnitude = abs(value)
    var exponent = decimalExponent(magnitude)
    var mantissa = magnitude / power10(exponent)
    let decimals = max(0, significant - 1)
    // Rounding 9.996 to two decimals gives 10.00: move to the next power.
    if fixed(mantissa, decimals: decimals).hasPrefix("10") {
      exponent += 1
      mantissa = magnitude / power10(exponent)
    }
    let sign = value < 0 ? "-" : ""
    let exponentSign = exponent < 0 ? "-" : "+"
    return sign + trimZeros(fixed(mantissa, decimals: decimals)) + "e" + exponentSign
      + String(abs(exponent))
  }

  /// floor(log10(magnitude)), exact at powers of ten.
  static func decimalExponent(_ magnitude: Double) -> Int {
    var e = Int((magnitude.log10Value).rounded(.down))
    if power10(e) > magnitude { e -= 1 }
    if power10(e + 1) <= magnitude { e += 1 }
    return e
  }

  static func power10(_ exponent: Int) -> Double {
    var result = 1.0
    if exponent >= 0 {
      for _ in 0..<exponent { result *= 10 }
    } else {
      for _ in 0..<(-exponent) { result /= 10 }
    }
    return result
  }

  private static func trimZeros(_ text: String) -> String {
    guard text.contains(".") else { return text }
    var result = Substring(text)
    while result.last == "0" { result.removeLast() }
    if result.last == "." { result.removeLast() }
    return String(result)
  }
}

extension Double {
  /// log10 from the C library (no Foundation needed).
  var log10Value: Double {
    #if canImport(Glibc)
      return Glibc.log10(self)
    #else
      return Darwin.log10(self)
    #endif
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
