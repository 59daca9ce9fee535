// Fuzz target `checkpointindex`: the index of a sharded released-code checkpoint,
// `model.safetensors.index.json` and its weight_map, as `import` reads it
// (Import/ReleasedCheckpointReader.swift). The input is the index, then after a NUL the bytes of
// the shard `s1.safetensors`; a missing shard is a fixed valid one (snapshot 0 and a copy of a
// current tensor that `s0.safetensors` also holds, so the weight_map decides which one is read).
// `s0.safetensors` is always a fixed valid shard. Beyond "no crash": every shard the index
// names is a file next to it, never elsewhere.
import Foundation

@testable import LorascopeEngine

private func shard(_ tensors: [(String, [Int])]) -> [UInt8] {
  let file = try! SafetensorsFile(tensors: tensors.map { name, shape in
    try! SafetensorsTensor(name: name, floats: (0..<(shape[0] * shape[1])).map { Float($0) / 8 }, shape: shape)
  })
  return [UInt8](file.encode())
}

private let shard0 = shard([("m.A", [2, 3]), ("m.B", [4, 2]), ("n.A", [2, 2]), ("n.B", [2, 2]), ("embed.weight", [2, 2])])
private let shard1 = shard([("m.A_matrices.0", [2, 3]), ("m.B_matrices.0", [4, 2]), ("m.A", [2, 3])])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointIndex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let parts = ScratchFiles.parts(Array(UnsafeBufferPointer(start: data, count: size)), count: 2)
  let directory = ScratchFiles.write([
    ReleasedCheckpointReader.indexFileName: parts[0] ?? [], "s0.safetensors": shard0, "s1.safetensors": parts[1] ?? shard1,
  ])
  let dir = URL(fileURLWithPath: directory)
  if let layout = try? ReleasedCheckpointReader.weightLayout(dir) {
    for file in layout.files where file.deletingLastPathComponent().standardizedFileURL.path != dir.standardizedFileURL.path {
      fatalError("the index names a shard outside its directory: \(file.path)")
    }
  }
  _ = try? ReleasedCheckpointReader.read(dir, snapshots: true)
  return 0
}
