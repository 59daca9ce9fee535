/// The two JSON spellings the engine must reproduce byte for byte (Docs/Design.md §6).
enum JSONText {
  /// `serde_json::to_string`: no whitespace, members in the given order, non-ASCII kept as UTF-8,
  /// only `"`, `\` and control characters escaped. This is how the safetensors reference writer
  /// spells its header.
  static func compact(_ value: JSONValue) -> String {
    var out = ""
    writeCompact(value, into: &out)
    return out
  }

  /// Python's `json.dumps(value, indent=2, sort_keys=True)` plus a final newline: the spelling of
  /// `config.json` by `transformers` and of `adapter_config.json` by PEFT.
  static func pythonPretty(_ value: JSONValue) -> String {
    var out = ""
    writePretty(value, indent: 0, into: &out)
    out += "\n"
    return out
  }

  // MARK: - Compact

  private static func writeCompact(_ value: JSONValue, into out: inout String) {
    switch value {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let text): out += text
    case .string(let s): writeString(s, asciiOnly: false, into: &out)
    case .array(let elements):
      out += "["
      for (i, element) in elements.enumerated() {
        if i > 0 { out += "," }
        writeCompact(element, into: &out)
      }
      out += "]"
    case .object(let members):
      out += "{"
      for (i, member) in members.enumerated() {
        if i > 0 { out += "," }
        writeString(member.key, asciiOnly: false, into: &out)
        out += ":"
        writeCompact(member.value, into: &out)
      }
      out += "}"
    }
  }

  // MARK: - Python style

  private static func writePretty(_ value: JSONValue, indent: Int, into out: inout String) {
    let inner = String(repeating: " ", count: indent + 2)
    let closing = String(repeating: " ", count: indent)
    switch value {
    case .null, .bool, .number: writeCompact(value, into: &out)
    case .string(let s): writeString(s, asciiOnly: true, into: &out)
    case .array(let elements):
      guard !elements.isEmpty else {
        out += "[]"
        return
      }
      out += "[\n"
      for (i, element) in elements.enumerated() {
        out += inner
        writePretty(element, indent: indent + 2, into: &out)
        out += i + 1 < elements.count ? ",\n" : "\n"
      }
      out += closing + "]"
    case .object(let members):
      guard !members.isEmpty else {
        out += "{}"
        return
      }
      // Python's sort_keys compares code points.
      let sorted = members.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
      out += "{\n"
      for (i, member) in sorted.enumerated() {
        out += inner
        writeString(member.key, asciiOnly: true, into: &out)
        out += ": "
        writePretty(member.value, indent: indent + 2, into: &out)
        out += i + 1 < sorted.count ? ",\n" : "\n"
      }
      out += closing + "}"
    }
  }

  // MARK: - Strings

  /// Escapes like serde_json (`asciiOnly` false) or like Python's `ensure_ascii=True` (true:
  /// everything outside printable ASCII becomes `\uXXXX`, astral characters as surrogate pairs).
  private static func writeString(_ s: String, asciiOnly: Bool, into out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value < 0x20 || (asciiOnly && scalar.value >= 0x7F) {
          for unit in String(scalar).utf16 { out += "\\u" + hex4(unit) }
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }

  private static func hex4(_ unit: UInt16) -> String {
    let hex = String(unit, radix: 16, uppercase: false)
    return String(repeating: "0", count: 4 - hex.count) + hex
  }
}
