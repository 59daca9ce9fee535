import Foundation

/// Prints a value as pretty, key-sorted JSON on stdout (`--json`).
func printJSON<T: Encodable>(_ value: T) throws {
  let enc = JSONEncoder()
  enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  print(String(decoding: try enc.encode(value), as: UTF8.self))
}
