// Fuzz target `gradients`: the gradient files of `spectrum --gradients`
// (Spectrum/GradientFiles.swift). The input is one file, given twice (so the rows of two files
// are added up); when it is accepted, every module's block is read back.
import Foundation

@testable import LorascopeEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGradients(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = ScratchFiles.write(["g.safetensors": Array(UnsafeBufferPointer(start: data, count: size))])
  let path = ScratchFiles.path("g.safetensors")
  guard let files = try? GradientFiles(paths: [path, path]) else { return 0 }
  var scratch: [UInt8] = []
  for g in files.modules.indices {
    // The file's own size bounds rows × columns; the harness still refuses a block it could not hold.
    let (count, overflow) = files.rows.multipliedReportingOverflow(by: files.offsets[g + 1] - files.offsets[g])
    guard !overflow, count <= 1 << 20 else { fatalError("an accepted gradient file claims a block of \(count) values") }
    var block = [Double](repeating: 0, count: count)
    block.withUnsafeMutableBufferPointer { out in _ = try? files.readBlock(g, into: out, scratch: &scratch) }
  }
  return 0
}
