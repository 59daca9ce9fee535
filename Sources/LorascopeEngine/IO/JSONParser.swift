/// Why a JSON document was rejected, with the byte offset where the problem was found.
struct JSONSyntaxError: Error, Equatable, Sendable {
  let message: String
  let offset: Int

  var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes that rejects duplicate object keys.
///
/// It accepts what `serde_json` (the safetensors reference reader, Docs/Design.md §6) and Python's `json`
/// accept, minus duplicate keys, which the safetensors format forbids. Nesting is limited so that
/// a hostile file cannot exhaust the stack.
struct JSONParser {
  static let maxDepth = 64

  private let bytes: [UInt8]
  private var index = 0
  private var depth = 0

  private init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// Parses one JSON value surrounded by optional whitespace (space, tab, CR, LF) and nothing else.
  static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue()
    parser.skipWhitespace()
    if parser.index < bytes.count {
      let byte = bytes[parser.index]
      throw JSONSyntaxError(
        message: "unexpected \(describe(byte)) after the end of the JSON value (padding must be spaces)",
        offset: parser.index)
    }
    return value
  }

  // MARK: - Values

  private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
    guard index < bytes.count else { throw fail("unexpected end of input") }
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
    default: throw fail("unexpected \(Self.describe(bytes[index]))")
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
      guard seen.insert(key).inserted else {
        throw JSONSyntaxError(message: "duplicate key \"\(key)\"", offset: keyOffset)
      }
      skipWhitespace()
      guard peek(UInt8(ascii: ":")) else { throw fail("expected ':' after key \"\(key)\"") }
      index += 1
      skipWhitespace()
      let value = try parseValue()
      members.append(JSONMember(key, value))
      skipWhitespace()
      if peek(UInt8(ascii: ",")) {
        index += 1
        continue
      }
      guard peek(UInt8(ascii: "}")) else { throw fail("expected ',' or '}' in an object") }
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
      if peek(UInt8(ascii: ",")) {
        index += 1
        continue
      }
      guard peek(UInt8(ascii: "]")) else { throw fail("expected ',' or ']' in an array") }
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

  private mutating func parseString() throws(JSONSyntaxError) -> String {
    let start = index
    index += 1  // opening quote
    var utf8: [UInt8] = []
    while true {
      guard index < bytes.count else {
        throw JSONSyntaxError(message: "unterminated string", offset: start)
      }
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        guard let text = String(validating: utf8, as: UTF8.self) else {
          throw JSONSyntaxError(message: "string is not valid UTF-8", offset: start)
        }
        return text
      case UInt8(ascii: "\\"):
        try parseEscape(into: &utf8)
      case 0x00..<0x20:
        throw fail("unescaped control character \(Self.describe(byte)) in a string")
      default:
        utf8.append(byte)
        index += 1
      }
    }
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
      throw fail("invalid escape \\\(Character(Unicode.Scalar(code)))")
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
      default: throw fail("invalid hex digit in a \\u escape")
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
      guard try skipDigits() > 0 else { throw fail("expected a digit") }
    }
    if peek(UInt8(ascii: ".")) {
      index += 1
      guard try skipDigits() > 0 else { throw fail("expected a digit after '.'") }
    }
    if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
      index += 1
      if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
      guard try skipDigits() > 0 else { throw fail("expected a digit in the exponent") }
    }
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }

  private mutating func skipDigits() throws(JSONSyntaxError) -> Int {
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

  private func fail(_ message: String) -> JSONSyntaxError { JSONSyntaxError(message: message, offset: index) }

  /// `'{'` for printable ASCII, `0x00` otherwise.
  private static func describe(_ byte: UInt8) -> String {
    if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    let hex = String(byte, radix: 16, uppercase: true)
    return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
  }
}
