// Fuzz target `npy`: the item vectors of `data build --item-embeddings` (Data/Build/
// ItemEmbeddingFile.swift). The first input byte is the number of lines of the item id list
// ("item0" … ), so the fuzzer can match the header's row count; the rest is the .npy file.
import Foundation

@testable import LorascopeEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let rows = bytes.first else { return 0 }
  let ids = (0..<Int(rows)).map { "item\($0)\n" }.joined()
  _ = ScratchFiles.write(["v.npy": Array(bytes.dropFirst()), "ids.txt": Array(ids.utf8)])
  guard let read = try? ItemEmbeddingFile.read(npy: ScratchFiles.path("v.npy"), ids: ScratchFiles.path("ids.txt")) else {
    return 0
  }
  // An accepted file gives one finite vector of the header's dimension per id.
  guard read.vectors.count == Int(rows), read.vectors.values.allSatisfy({ $0.count == read.dimension && $0.allSatisfy(\.isFinite) })
  else { fatalError("an accepted .npy file gave \(read.vectors.count) vectors for \(rows) ids") }
  return 0
}
