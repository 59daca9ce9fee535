// Fuzz target `interactions`: the interactions reader of `data build`
// (Data/Build/InteractionFileReader.swift). The first byte picks the file's extension (JSON
// Lines, CSV, TSV, or none, which makes the reader sniff) and whether --min-rating is given; the
// rest is the file.
import Foundation

@testable import LorascopeEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInteractions(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let name = ["i.jsonl", "i.csv", "i.tsv", "interactions"][Int(bytes[0] & 3)]
  _ = ScratchFiles.write([name: Array(bytes.dropFirst())])
  var table = InteractionTable()
  _ = try? InteractionFileReader.read(ScratchFiles.path(name), minimumRating: bytes[0] & 4 == 0 ? nil : 3, into: &table)
  return 0
}
