import Foundation
import LorascopeEngine

/// A command's results on standard output, through `StandardStreams.writeOutput`: `print` buffers
/// in stdio and loses what a full or closed standard output refused (`> /dev/full` ended with
/// status 0 and nothing written); here the command fails and names what was lost.
func printResult(_ text: String, what: String = "the results") throws {
  try StandardStreams.writeOutput(Data((text + "\n").utf8), what: what)
}

/// Prints a value as pretty, key-sorted JSON on stdout (`--json`).
func printJSON<T: Encodable>(_ value: T) throws {
  let enc = JSONEncoder()
  enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  try printResult(String(decoding: try enc.encode(value), as: UTF8.self), what: "the JSON")
}
