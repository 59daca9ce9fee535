// Fuzz target `safetensors`: the one header check (IO/SafetensorsHeader.swift) through both
// readers, the whole-file decoder and the memory-mapped reader. A file the decoder accepts must
// open in the mapped reader with the same tensors, and each of its tensors must read.
import Foundation

@testable import LorascopeEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let decoded = try? SafetensorsFile.decode(Data(bytes), path: "fuzz.safetensors")
  _ = ScratchFiles.write(["fuzz.safetensors": bytes])
  let mapped = try? MappedSafetensors(path: ScratchFiles.path("fuzz.safetensors"))
  guard let decoded else { return 0 }
  guard let mapped else { fatalError("the decoder accepted a file the mapped reader refuses") }
  guard Set(decoded.tensors.keys) == Set(mapped.tensors.keys), decoded.metadata == mapped.metadata else {
    fatalError("the two readers disagree on the tensors or the metadata")
  }
  for (name, tensor) in decoded.tensors {
    guard mapped.tensors[name]?.shape == tensor.shape, mapped.tensors[name]?.dtype == tensor.dtype else {
      fatalError("the two readers disagree on tensor \(name)")
    }
    switch tensor.dtype {
    case .F32, .F16, .BF16, .F64: _ = try? mapped.floats(name)
    default: _ = try? mapped.integers(name)
    }
  }
  return 0
}
