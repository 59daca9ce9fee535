/// A JSON value that keeps object members in file order and number literals as written.
///
/// The engine parses its JSON headers and configs itself (Docs/Design.md §6) because Foundation's
/// `JSONSerialization` silently keeps one of two duplicate keys, blurs integers, floats and
/// booleans into `NSNumber`, and cannot report where a document went wrong.
enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  /// The literal text of a number, already checked against the JSON grammar.
  case number(String)
  case string(String)
  case array([JSONValue])
  case object([JSONMember])

  /// The member named `key` of an object, or nil (also for non-objects).
  subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.key == key }?.value
  }

  /// The value of an integer literal (no fraction, no exponent) that fits in `Int`.
  var intValue: Int? {
    guard case .number(let text) = self, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
      return nil
    }
    return Int(text)
  }

  /// The value of any number literal as a `Double` (nil for non-numbers or non-finite results).
  var doubleValue: Double? {
    guard case .number(let text) = self, let value = Double(text), value.isFinite else { return nil }
    return value
  }

  var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  var objectMembers: [JSONMember]? {
    if case .object(let m) = self { return m }
    return nil
  }

  var isNull: Bool { self == .null }

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

  /// A short human-readable rendering for error messages (compact JSON, cut at 60 characters).
  var snippet: String {
    let text = JSONText.compact(self)
    return text.count <= 60 ? text : String(text.prefix(57)) + "..."
  }

  /// An integer literal.
  static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

  /// A float literal spelled like Python's `repr`, e.g. `1e-06`, `0.05`, `10000.0`
  /// (Swift's shortest round-trip spelling of a `Float`); the caller guarantees a finite value.
  static func float(_ value: Float) -> JSONValue { .number(value.description) }
}

/// One `"key": value` member of a JSON object.
struct JSONMember: Equatable, Sendable {
  let key: String
  let value: JSONValue

  init(_ key: String, _ value: JSONValue) {
    self.key = key
    self.value = value
  }
}
