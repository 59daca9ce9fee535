/// The 64-bit Fowler–Noll–Vo hash, variant 1a: stable across runs and platforms (unlike Swift's
/// `Hasher`, which is seeded per process). The one implementation behind the dataset fingerprint
/// and the backbone cache key (Docs/Architecture.md, "The backbone cache").
struct FNV1a64: Sendable {
  public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

  public init() {}

  public mutating func add(byte: UInt8) {
    value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
  }

  /// Adds bytes as they are (no length prefix).
  public mutating func add<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
    for byte in bytes { add(byte: byte) }
  }

  /// Adds an integer as 8 little-endian bytes (fixed width, so sequences cannot alias).
  public mutating func add(integer: Int) {
    var bits = UInt64(bitPattern: Int64(integer))
    for _ in 0..<8 {
      add(byte: UInt8(truncatingIfNeeded: bits))
      bits >>= 8
    }
  }

  /// Adds a string as its UTF-8 length followed by its bytes.
  public mutating func add(string: String) {
    add(integer: string.utf8.count)
    add(bytes: string.utf8)
  }

  /// The hash as 16 lowercase hex digits.
  public var hexDigest: String {
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// The hash of a string's UTF-8 bytes (no length prefix) as 16 hex digits.
  public static func hexDigest(of text: String) -> String {
    var hash = FNV1a64()
    hash.add(bytes: text.utf8)
    return hash.hexDigest
  }
}
