import Foundation

/// The engine's one JSON reader: a strict RFC 8259 parser over UTF-8 bytes (no comments, no
/// trailing commas, no NaN) that keeps object members in file order and numbers as written.
///
/// Every outside JSON goes through it: safetensors headers and their metadata, `config.json`,
/// `adapter_config.json`, tokenizer files and the PESO dataset files. Foundation's
/// `JSONSerialization` is not used because it silently keeps one of two duplicate keys, blurs
/// numbers into `NSNumber`, reorders objects and cannot say where a document went wrong.
/// Nothing is sized from the input (no capacity is reserved from counts it claims) and nesting
/// is limited, so hostile bytes cost at most time linear in their length and a bounded stack.
struct JSONParser {
  /// Deeper nesting than this is refused, so hostile input cannot exhaust the stack
  /// (a safetensors header nests three levels, a PESO file three).
  static let maxDepth = 64

  /// What differs between the formats the engine reads.
  struct Rules: Sendable {
    /// Skip a leading UTF-8 byte order mark (text editors write one; serde_json refuses it).
    var skipsByteOrderMark: Bool
    /// Refuse an object with a repeated key (the safetensors format forbids them).
    var rejectsDuplicateKeys: Bool
    /// Decode invalid UTF-8 in strings as U+FFFD instead of refusing the document.
    var replacesInvalidUTF8: Bool

    /// What `serde_json` (the safetensors reference reader, Docs/Design.md §6) accepts, minus
    /// duplicate keys: for safetensors headers and the configs and metadata written beside them.
    static let strict = Rules(skipsByteOrderMark: false, rejectsDuplicateKeys: true, replacesInvalidUTF8: false)

    /// The PESO dataset files (Docs/Design.md §4): a byte order mark is allowed, repeated keys
    /// are kept so the loader can name the user or entry that repeats one, and strings are
    /// decoded leniently as they always have been.
    static let datasetFiles = Rules(skipsByteOrderMark: true, rejectsDuplicateKeys: false, replacesInvalidUTF8: true)
  }

  private let bytes: UnsafeBufferPointer<UInt8>
  private let rules: Rules
  private var index = 0
  private var depth = 0

  private init(_ bytes: UnsafeBufferPointer<UInt8>, rules: Rules) {
    self.bytes = bytes
    self.rules = rules
  }

  /// Parses one JSON value surrounded by optional whitespace (space, tab, CR, LF) and nothing else.
  static func parse(_ bytes: [UInt8], rules: Rules = .strict) throws(JSONSyntaxError) -> JSONValue {
    try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in try parse(buffer, rules: rules) }
  }

  /// Parses one JSON document held in `data`.
  static func parse(_ data: Data, rules: Rules = .strict) throws(JSONSyntaxError) -> JSONValue {
    let result: Result<JSONValue, JSONSyntaxError> = data.withUnsafeBytes { raw in
      Result { () throws(JSONSyntaxError) in try parse(raw.bindMemory(to: UInt8.self), rules: rules) }
    }
    return try result.get()
  }

  private static func parse(_ buffer: UnsafeBufferPointer<UInt8>, rules: Rules) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(buffer, rules: rules)
    if rules.skipsByteOrderMark, buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
      parser.index = 3
    }
    parser.skipWhitespace()
    let value = try parser.parseValue()
    parser.skipWhitespace()
    if parser.index < buffer.count {
      throw parser.fail(
        "unexpected \(describe(buffer[parser.index])) after the end of the JSON value (padding must be spaces)")
    }
    return value
  }

  // MARK: - Values

  private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
    guard index < bytes.count else { throw fail("unexpected end of file, expected a value") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try expectWord("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectWord("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectWord("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    default: throw fail("unexpected \(Self.describe(bytes[index])), expected a value")
    }
  }

  private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
    try enterContainer()
    index += 1  // {
    var members: [JSONMember] = []
    var seen = Set<String>()
    skipWhitespace()
    if peek(UInt8(ascii: "}")) {
      index += 1
      depth -= 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      let keyOffset = index
      guard peek(UInt8(ascii: "\"")) else { throw fail("expected a string key") }
      let key = try parseString()
      if rules.rejectsDuplicateKeys, !seen.insert(key).inserted {
        throw fail("duplicate key \"\(key)\"", at: keyOffset)
      }
      skipWhitespace()
      guard peek(UInt8(ascii: ":")) else { throw fail("expected ':' after the key \(ErrorQuote.quoted(key))") }
      index += 1
      skipWhitespace()
      let value = try parseValue()
      members.append(JSONMember(key, value))
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of file inside an object") }
      if peek(UInt8(ascii: ",")) {
        index += 1
        continue
      }
      guard peek(UInt8(ascii: "}")) else {
        throw fail("expected ',' or '}' in an object, found \(Self.describe(bytes[index]))")
      }
      index += 1
      depth -= 1
      return .object(members)
    }
  }

  private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
    try enterContainer()
    index += 1  // [
    var elements: [JSONValue] = []
    skipWhitespace()
    if peek(UInt8(ascii: "]")) {
      index += 1
      depth -= 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue())
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of file inside an array") }
      if peek(UInt8(ascii: ",")) {
        index += 1
        continue
      }
      guard peek(UInt8(ascii: "]")) else {
        throw fail("expected ',' or ']' in an array, found \(Self.describe(bytes[index]))")
      }
      index += 1
      depth -= 1
      return .array(elements)
    }
  }

  private mutating func enterContainer() throws(JSONSyntaxError) {
    depth += 1
    guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
  }

  // MARK: - Strings

  /// Reads a string from its opening quote. The common case (no escapes) is one scan and one copy.
  private mutating func parseString() throws(JSONSyntaxError) -> String {
    let quote = index
    index += 1
    let start = index
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        let text = try makeString(UnsafeBufferPointer(rebasing: bytes[start..<index]), quote: quote)
        index += 1
        return text
      }
      if byte == UInt8(ascii: "\\") { return try parseEscapedString(from: start, quote: quote) }
      if byte < 0x20 { throw fail("unescaped control character \(Self.describe(byte)) in a string") }
      index += 1
    }
    throw fail("unterminated string", at: quote)
  }

  /// The slow path for strings with escapes: decodes into a byte buffer.
  private mutating func parseEscapedString(from start: Int, quote: Int) throws(JSONSyntaxError) -> String {
    var utf8 = Array(bytes[start..<index])
    while index < bytes.count {
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        return try utf8.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in try makeString(buffer, quote: quote) }
      case UInt8(ascii: "\\"):
        try parseEscape(into: &utf8)
      case 0x00..<0x20:
        throw fail("unescaped control character \(Self.describe(byte)) in a string")
      default:
        utf8.append(byte)
        index += 1
      }
    }
    throw fail("unterminated string", at: quote)
  }

  private func makeString(_ utf8: UnsafeBufferPointer<UInt8>, quote: Int) throws(JSONSyntaxError) -> String {
    if rules.replacesInvalidUTF8 { return String(decoding: utf8, as: UTF8.self) }
    guard let text = String(validating: utf8, as: UTF8.self) else {
      throw fail("string is not valid UTF-8", at: quote)
    }
    return text
  }

  private mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONSyntaxError) {
    index += 1  // backslash
    guard index < bytes.count else { throw fail("unterminated escape") }
    let code = bytes[index]
    index += 1
    switch code {
    case UInt8(ascii: "\""): utf8.append(0x22)
    case UInt8(ascii: "\\"): utf8.append(0x5C)
    case UInt8(ascii: "/"): utf8.append(0x2F)
    case UInt8(ascii: "b"): utf8.append(0x08)
    case UInt8(ascii: "f"): utf8.append(0x0C)
    case UInt8(ascii: "n"): utf8.append(0x0A)
    case UInt8(ascii: "r"): utf8.append(0x0D)
    case UInt8(ascii: "t"): utf8.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = UInt32(try parseHex4())
      if (0xD800...0xDBFF).contains(scalar) {
        guard peek(UInt8(ascii: "\\")), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
          throw fail("lone UTF-16 surrogate in a \\u escape")
        }
        index += 2
        let low = UInt32(try parseHex4())
        guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid UTF-16 surrogate pair") }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00...0xDFFF).contains(scalar) {
        throw fail("lone UTF-16 surrogate in a \\u escape")
      }
      guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
      utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
    default:
      index -= 1
      throw fail("invalid escape \\\(Self.describe(code))")
    }
  }

  private mutating func parseHex4() throws(JSONSyntaxError) -> UInt16 {
    guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
    var value: UInt16 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw fail("invalid hex digit \(Self.describe(byte)) in a \\u escape")
      }
      value = value << 4 | UInt16(digit)
      index += 1
    }
    return value
  }

  // MARK: - Numbers and words

  /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as written.
  private mutating func parseNumber() throws(JSONSyntaxError) -> String {
    let start = index
    if peek(UInt8(ascii: "-")) { index += 1 }
    if peek(UInt8(ascii: "0")) {
      index += 1
      if index < bytes.count, isDigit(bytes[index]) { throw fail("leading zero in a number") }
    } else {
      guard skipDigits() > 0 else { throw fail("expected a digit") }
    }
    if peek(UInt8(ascii: ".")) {
      index += 1
      guard skipDigits() > 0 else { throw fail("expected a digit after '.'") }
    }
    if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
      index += 1
      if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
      guard skipDigits() > 0 else { throw fail("expected a digit in the exponent") }
    }
    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
  }

  private mutating func skipDigits() -> Int {
    let start = index
    while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    return index - start
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  private mutating func expectWord(_ word: StaticString) throws(JSONSyntaxError) {
    let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
    guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
      throw fail("invalid literal (expected \(word))")
    }
    index += expected.count
  }

  // MARK: - Helpers

  private mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  private func peek(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

  private func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
    JSONSyntaxError(message, at: offset ?? index, in: bytes)
  }

  /// `'{'` for printable ASCII, `byte 0x00` otherwise.
  private static func describe(_ byte: UInt8) -> String {
    if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    let hex = String(byte, radix: 16, uppercase: true)
    return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
  }
}
