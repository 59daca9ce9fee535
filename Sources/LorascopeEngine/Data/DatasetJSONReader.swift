import Foundation

/// A parsed JSON value whose objects keep their members in file order.
///
/// The dataset loader (Docs/Design.md §4) reads its files with this small reader instead of
/// `JSONSerialization` for three reasons: objects keep file order (so the dense item and user
/// indices are the order of the file, and a dataset written back is the same dataset), a syntax
/// error reports its byte offset, line and column, and nothing is bridged through `NSDictionary`.
enum DatasetJSONValue {
  case object([DatasetJSONMember])
  case array([DatasetJSONValue])
  case string(String)
  case number(Double)
  case bool(Bool)
  case null

  /// The JSON type's name, for messages such as "expected an object, found an array".
  var kindName: String {
    switch self {
    case .object: return "an object"
    case .array: return "an array"
    case .string: return "a string"
    case .number: return "a number"
    case .bool: return "a boolean"
    case .null: return "null"
    }
  }
}

/// One `"key": value` member of a JSON object.
struct DatasetJSONMember {
  let key: String
  let value: DatasetJSONValue
}

/// A JSON syntax error with the position where the reader stopped.
struct DatasetJSONSyntaxError: Error, CustomStringConvertible {
  let byteOffset: Int
  let line: Int
  let column: Int
  let message: String

  var description: String {
    "malformed JSON at byte \(byteOffset) (line \(line), column \(column)): \(message)"
  }
}

/// A strict RFC 8259 reader over UTF-8 bytes (no comments, no trailing commas).
struct DatasetJSONReader {
  /// Deeper nesting than this is refused, so hostile input cannot exhaust the stack
  /// (a PESO file nests three levels deep).
  static let maxDepth = 64

  private let bytes: UnsafeBufferPointer<UInt8>
  private var position = 0
  private var depth = 0

  private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  /// Parses one JSON document; anything but whitespace after the value is an error.
  static func parse(_ data: Data) throws -> DatasetJSONValue {
    try data.withUnsafeBytes { raw in
      var reader = DatasetJSONReader(bytes: raw.bindMemory(to: UInt8.self))
      reader.skipByteOrderMark()
      let value = try reader.parseValue()
      reader.skipWhitespace()
      if reader.position < reader.bytes.count {
        throw reader.error("unexpected content after the top-level value")
      }
      return value
    }
  }

  // MARK: - Values

  private mutating func parseValue() throws -> DatasetJSONValue {
    skipWhitespace()
    guard position < bytes.count else { throw error("unexpected end of file, expected a value") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
    case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
    case UInt8(ascii: "n"): try expectLiteral("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    default: throw error("unexpected character \(describe(bytes[position])), expected a value")
    }
  }

  private mutating func parseObject() throws -> DatasetJSONValue {
    try enterContainer()
    position += 1  // {
    var members: [DatasetJSONMember] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
      depth -= 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
        throw error("expected a string key")
      }
      let key = try parseString()
      skipWhitespace()
      try expect(UInt8(ascii: ":"), "expected ':' after the key \(ErrorQuote.quoted(key))")
      let value = try parseValue()
      members.append(DatasetJSONMember(key: key, value: value))
      skipWhitespace()
      guard position < bytes.count else { throw error("unexpected end of file inside an object") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
      } else if bytes[position] == UInt8(ascii: "}") {
        position += 1
        depth -= 1
        return .object(members)
      } else {
        throw error("expected ',' or '}' in an object, found \(describe(bytes[position]))")
      }
    }
  }

  private mutating func parseArray() throws -> DatasetJSONValue {
    try enterContainer()
    position += 1  // [
    var elements: [DatasetJSONValue] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
      depth -= 1
      return .array(elements)
    }
    while true {
      elements.append(try parseValue())
      skipWhitespace()
      guard position < bytes.count else { throw error("unexpected end of file inside an array") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
      } else if bytes[position] == UInt8(ascii: "]") {
        position += 1
        depth -= 1
        return .array(elements)
      } else {
        throw error("expected ',' or ']' in an array, found \(describe(bytes[position]))")
      }
    }
  }

  private mutating func enterContainer() throws {
    depth += 1
    if depth > DatasetJSONReader.maxDepth { throw error("nesting deeper than \(DatasetJSONReader.maxDepth) levels") }
  }

  // MARK: - Strings

  /// Reads a string starting at its opening quote. The common case (no escapes) is one scan.
  private mutating func parseString() throws -> String {
    position += 1  // opening quote
    let start = position
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        position += 1
        return text
      }
      if byte == UInt8(ascii: "\\") { return try parseEscapedString(from: start) }
      if byte < 0x20 { throw error("control character \(describe(byte)) inside a string") }
      position += 1
    }
    throw error("unterminated string")
  }

  /// The slow path for strings with escapes: decodes into a byte buffer.
  private mutating func parseEscapedString(from start: Int) throws -> String {
    var utf8 = Array(bytes[start..<position])
    while position < bytes.count {
      let byte = bytes[position]
      switch byte {
      case UInt8(ascii: "\""):
        position += 1
        return String(decoding: utf8, as: UTF8.self)
      case UInt8(ascii: "\\"):
        position += 1
        guard position < bytes.count else { break }
        let escape = bytes[position]
        position += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"): appendScalar(try parseUnicodeEscape(), to: &utf8)
        default:
          position -= 1
          throw error("invalid escape \\\(describe(escape)) in a string")
        }
      default:
        if byte < 0x20 { throw error("control character \(describe(byte)) inside a string") }
        utf8.append(byte)
        position += 1
      }
    }
    throw error("unterminated string")
  }

  /// Reads the hex digits after `\u`, joining a UTF-16 surrogate pair into one scalar.
  private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
    let high = try parseHex4()
    if (0xD800..<0xDC00).contains(high) {
      guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
        bytes[position + 1] == UInt8(ascii: "u")
      else { throw error("unpaired UTF-16 surrogate \\u\(String(high, radix: 16))") }
      position += 2
      let low = try parseHex4()
      guard (0xDC00..<0xE000).contains(low) else {
        throw error("invalid UTF-16 low surrogate \\u\(String(low, radix: 16))")
      }
      let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
      return Unicode.Scalar(value) ?? "\u{FFFD}"
    }
    if (0xDC00..<0xE000).contains(high) {
      throw error("unpaired UTF-16 surrogate \\u\(String(high, radix: 16))")
    }
    return Unicode.Scalar(high) ?? "\u{FFFD}"
  }

  private mutating func parseHex4() throws -> UInt32 {
    guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw error("invalid hex digit \(describe(byte)) in a \\u escape")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }

  private func appendScalar(_ scalar: Unicode.Scalar, to utf8: inout [UInt8]) {
    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
  }

  // MARK: - Numbers and literals

  /// Reads a number with the RFC 8259 grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  private mutating func parseNumber() throws -> Double {
    let start = position
    if bytes[position] == UInt8(ascii: "-") { position += 1 }
    guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
    if bytes[position] == UInt8(ascii: "0") {
      position += 1
    } else {
      while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }
    if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
      position += 1
      guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
      while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }
    if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
      position += 1
      if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
        position += 1
      }
      guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
      while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    guard let value = Double(text) else {
      position = start
      throw error("invalid number \(text)")
    }
    return value
  }

  private mutating func expectLiteral(_ literal: String) throws {
    let expected = Array(literal.utf8)
    let start = position
    let matches =
      start + expected.count <= bytes.count
      && expected.indices.allSatisfy { bytes[start + $0] == expected[$0] }
    guard matches else { throw error("invalid literal, expected \(literal)") }
    position += expected.count
  }

  private mutating func expect(_ byte: UInt8, _ message: String) throws {
    guard position < bytes.count, bytes[position] == byte else { throw error(message) }
    position += 1
  }

  // MARK: - Helpers

  private mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x0A, 0x0D, 0x09: position += 1
      default: return
      }
    }
  }

  private mutating func skipByteOrderMark() {
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  private func describe(_ byte: UInt8) -> String {
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    return "0x" + String(byte, radix: 16, uppercase: true)
  }

  /// An error at the current position, with its 1-based line and column.
  private func error(_ message: String) -> DatasetJSONSyntaxError {
    let offset = min(position, bytes.count)
    var line = 1
    var lineStart = 0
    for i in 0..<offset where bytes[i] == 0x0A {
      line += 1
      lineStart = i + 1
    }
    return DatasetJSONSyntaxError(byteOffset: offset, line: line, column: offset - lineStart + 1, message: message)
  }
}
