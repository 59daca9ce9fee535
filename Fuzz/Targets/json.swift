// Fuzz target `json`: the engine's one JSON reader (IO/JSONParser.swift) under both rule sets.
// Beyond "never crash": a document the strict rules accept must read back the same after
// JSONText writes it, so a parse that silently changes a value is found too.
@testable import LorascopeEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  _ = try? JSONParser.parse(bytes, rules: .datasetFiles)
  guard let value = try? JSONParser.parse(bytes, rules: .strict) else { return 0 }
  let written = Array(JSONText.compact(value).utf8)
  guard let again = try? JSONParser.parse(written, rules: .strict), again == value else {
    fatalError("JSONText.compact does not read back: \(JSONText.compact(value))")
  }
  return 0
}
