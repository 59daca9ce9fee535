/// How many terminal cells a Unicode scalar takes: 0, 1 or 2.
///
/// lorascope's own glyphs (braille, blocks, box drawing, Greek letters) are all
/// one cell wide. This table is only "wide-character aware enough": it knows the
/// combining marks and the East Asian wide ranges that may turn up in item
/// titles, so that a title never pushes a panel border out of place. It does
/// not depend on the C locale (unlike `wcwidth`), so tests give the same answer
/// everywhere.
public enum DisplayWidth {
  /// Cells taken by `scalar`; control characters count as one cell because the
  /// grid replaces them by `?`.
  @inline(__always)
  public static func of(_ scalar: Unicode.Scalar) -> Int {
    let v = scalar.value
    if v < 0x300 { return 1 }  // ASCII and Latin: the common case first
    if isZeroWidth(v) { return 0 }
    if isWide(v) { return 2 }
    return 1
  }

  /// Cells taken by a whole string.
  public static func of(_ text: String) -> Int {
    var total = 0
    for scalar in text.unicodeScalars { total += of(scalar) }
    return total
  }

  /// The longest prefix of `text` that fits in `width` cells.
  public static func prefix(_ text: String, fitting width: Int) -> String {
    guard width > 0 else { return "" }
    var used = 0
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      let w = of(scalar)
      if used + w > width { break }
      used += w
      result.append(scalar)
    }
    return String(result)
  }

  /// `text` cut to `width` cells, ending in `ellipsis` when something was cut.
  public static func truncate(_ text: String, to width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    if of(text) <= width { return text }
    let mark = of(ellipsis) <= width ? ellipsis : ""
    return prefix(text, fitting: width - of(mark)) + mark
  }

  /// `text` padded with spaces (or cut) to exactly `width` cells.
  public static func pad(_ text: String, to width: Int, alignRight: Bool = false) -> String {
    let cut = prefix(text, fitting: width)
    let gap = String(repeating: " ", count: max(0, width - of(cut)))
    return alignRight ? gap + cut : cut + gap
  }

  private static func isZeroWidth(_ v: UInt32) -> Bool {
    (0x300...0x36F).contains(v) || (0x200B...0x200F).contains(v)
      || (0xFE00...0xFE0F).contains(v) || (0x20D0...0x20FF).contains(v)
  }

  private static func isWide(_ v: UInt32) -> Bool {
    (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v)
      || (0x3041...0x33FF).contains(v) || (0x3400...0x4DBF).contains(v)
      || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
      || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v)
      || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
      || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
      || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
  }
}
