// Fuzz target `peso`: the PESO dataset reader (Data/PESODatasetLoader.swift). The input is a
// block file, then after a NUL the item index file, then after a NUL a titles file; a missing
// index is a fixed valid one, so inputs without a NUL still reach the block checks.
import Foundation

@testable import LorascopeEngine

private let validIndex = Array(#"{"i0": ["<a_1>", "<b_2>"], "i1": ["<a_0>", "<b_7>"], "i2": ["<a_3>", "<b_2>"]}"#.utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPESO(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let parts = ScratchFiles.parts(Array(UnsafeBufferPointer(start: data, count: size)), count: 3)
  var files = ["toy.all.block_0.json": parts[0] ?? [], "toy.index.json": parts[1] ?? validIndex]
  if let titles = parts[2] { files["toy.item.json"] = titles }
  _ = try? PESODatasetLoader.load(directory: ScratchFiles.write(files))
  return 0
}
