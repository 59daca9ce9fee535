import Foundation
import Testing

@testable import LorascopeEngine

#if canImport(Glibc)
  import Glibc
#endif

/// `import`/`inspect` on hostile checkpoints (issue 26, defect 11): a NaN or infinite factor is
/// refused by name, a FIFO never blocks, and a tensor in two shards comes from the shard the
/// index names.
@Suite struct HostileImportTests {
  static let linear = ImportFixtures.linears[0]

  /// A PEFT adapter whose first lora_A has `poison` at element 4.
  static func poisonedAdapter(_ poison: Float, at dir: URL) throws {
    try ImportFixtures.peftAdapter(at: dir, stage: 0)
    let url = dir.appendingPathComponent("adapter_model.safetensors")
    var tensors = try SafetensorsFile.read(from: url).tensors
    let name = "base_model.model.\(linear.0).lora_A.weight"
    let original = try #require(tensors[name])
    var values = try original.floats()
    values[4] = poison
    tensors[name] = try SafetensorsTensor(name: name, floats: values, shape: original.shape)
    try SafetensorsFile(tensors: Array(tensors.values)).write(to: url)
  }

  @Test("a NaN or infinite LoRA factor is refused, naming the file and the tensor", arguments: [Float.nan, .infinity, -.infinity])
  func nonFiniteFactor(_ poison: Float) throws {
    let dir = try ImportFixtures.temporaryDirectory("nonfinite")
    defer { try? FileManager.default.removeItem(at: dir) }
    try Self.poisonedAdapter(poison, at: dir)
    let error = try #require(throws: LorascopeError.self) { _ = try PEFTCheckpointReader.read(dir) }
    #expect(
      error.description.contains("adapter_model.safetensors") && error.description.contains("\(Self.linear.0).lora_A.weight")
        && error.description.contains("must be finite"), "\(error)")
  }

  @Test("a FIFO as the weights file is refused at once instead of blocking")
  func fifoWeights() throws {
    let dir = try ImportFixtures.temporaryDirectory("fifo")
    defer { try? FileManager.default.removeItem(at: dir) }
    let weights = dir.appendingPathComponent("model.safetensors")
    #expect(mkfifo(weights.path, 0o644) == 0)
    let started = Date()
    let error = try #require(throws: LorascopeError.self) { _ = try ReleasedCheckpointReader.read(dir) }
    #expect(error.description.contains(weights.path) && error.description.contains("not a regular file"), "\(error)")
    let whole = try #require(throws: LorascopeError.self) { _ = try SafetensorsFile.read(from: weights) }
    #expect(whole.description.contains("not a regular file"), "\(whole)")
    #expect(Date().timeIntervalSince(started) < 5)
  }

  @Test("a tensor present in two shards is taken from the shard the index's weight_map names")
  func duplicateAcrossShards() throws {
    let dir = try ImportFixtures.temporaryDirectory("two-shards")
    defer { try? FileManager.default.removeItem(at: dir) }
    let (name, inF, outF) = Self.linear
    let rank = ImportFixtures.rank
    let right = (0..<(rank * inF)).map { Float($0) / 100 }
    let wrong = right.map { $0 + 1 }
    let b = (0..<(outF * rank)).map { Float($0) / 50 }
    // Shard 2 sorts last, so a reader that lets the later file win takes the wrong values.
    try SafetensorsFile(tensors: [
      try SafetensorsTensor(name: "\(name).A", floats: right, shape: [rank, inF]),
      try SafetensorsTensor(name: "\(name).B", floats: b, shape: [outF, rank]),
    ]).write(to: dir.appendingPathComponent("model-00001-of-00002.safetensors"))
    try SafetensorsFile(tensors: [try SafetensorsTensor(name: "\(name).A", floats: wrong, shape: [rank, inF])])
      .write(to: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
    let index = """
      {"metadata": {}, "weight_map": {"\(name).A": "model-00001-of-00002.safetensors", "\(name).B": "model-00001-of-00002.safetensors", "other.weight": "model-00002-of-00002.safetensors"}}
      """
    try Data(index.utf8).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
    let stages = try ReleasedCheckpointReader.read(dir)
    let a = try #require(stages.first?.factors.first { $0.factor == "A" })
    #expect(a.values == right)
  }
}
