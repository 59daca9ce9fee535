// Fuzz target `adapterconfig`: PEFT's adapter_config.json as `import` reads it
// (IO/PEFTAdapterDirectory.swift); the directory holds no weights, so every input ends in the
// config's own checks or in "no adapter_model.safetensors".
import Foundation

@testable import LorascopeEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdapterConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let directory = ScratchFiles.write(["adapter_config.json": Array(UnsafeBufferPointer(start: data, count: size))])
  _ = try? PEFTAdapterDirectory.read(from: URL(fileURLWithPath: directory))
  return 0
}
