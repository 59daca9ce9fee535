import Foundation
import Testing

@testable import LorascopeEngine

/// The seeds of the `checkpointindex` fuzz target (Docs/Fuzzing.md), replayed as the target
/// does: each index beside a fixed valid shard `s0.safetensors` and, after a NUL, `s1.safetensors`.
@Suite("Checkpoint index fuzz seeds")
struct CheckpointIndexSeedTests {
  static let seeds = SectionReferenceChecker.repositoryRoot.appendingPathComponent("Fuzz/Corpus/checkpointindex")

  static func shard(_ tensors: [(String, [Int])]) throws -> Data {
    try SafetensorsFile(tensors: tensors.map { name, shape in
      try SafetensorsTensor(name: name, floats: (0..<(shape[0] * shape[1])).map { Float($0) / 8 }, shape: shape)
    }).encode()
  }

  /// Reads one seed; the result or the error's text.
  static func replay(_ seed: URL) throws -> Result<[ImportedStage], LorascopeError> {
    let dir = try ImportFixtures.temporaryDirectory("index-seed")
    defer { try? FileManager.default.removeItem(at: dir) }
    let bytes = [UInt8](try Data(contentsOf: seed))
    let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false).map { Data($0) }
    try parts[0].write(to: dir.appendingPathComponent(ReleasedCheckpointReader.indexFileName))
    try shard([("m.A", [2, 3]), ("m.B", [4, 2]), ("n.A", [2, 2]), ("n.B", [2, 2]), ("embed.weight", [2, 2])])
      .write(to: dir.appendingPathComponent("s0.safetensors"))
    try (parts.count > 1 ? parts[1] : shard([("m.A_matrices.0", [2, 3]), ("m.B_matrices.0", [4, 2]), ("m.A", [2, 3])]))
      .write(to: dir.appendingPathComponent("s1.safetensors"))
    do { return .success(try ReleasedCheckpointReader.read(dir, snapshots: true)) } catch let error as LorascopeError { return .failure(error) }
  }

  @Test("the target and its seeds exist; every seed ends in stages or a LorascopeError naming a file")
  func seedsReplay() throws {
    let target = SectionReferenceChecker.repositoryRoot.appendingPathComponent("Fuzz/Targets/checkpointindex.swift")
    #expect(FileManager.default.fileExists(atPath: target.path))
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.seeds.path).sorted()
    #expect(names.count >= 5)
    for name in names {
      switch try Self.replay(Self.seeds.appendingPathComponent(name)) {
      case .success(let stages): #expect(!stages.isEmpty, "\(name)")
      case .failure(let error): #expect(error.description.contains("/"), "\(name): \(error)")
      }
    }
  }

  @Test("the weight_map decides: two shards read as snapshot 0 and the current stage; a name with a path is refused")
  func expectedOutcomes() throws {
    let two = try Self.replay(Self.seeds.appendingPathComponent("two-shards.json")).get()
    #expect(two.count == 2)
    guard case .failure(let outside) = try Self.replay(Self.seeds.appendingPathComponent("path-outside.json")) else {
      Issue.record("an index naming ../s0.safetensors was accepted")
      return
    }
    #expect(outside.description.contains("not a file next to the index"), "\(outside)")
  }
}
