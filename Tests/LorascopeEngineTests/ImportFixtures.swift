import Foundation

@testable import LorascopeEngine

/// Checkpoints written by hand for the import tests: PEFT adapter directories and released-code
/// model.safetensors files of a made-up, non-Llama model, so nothing can lean on lorascope's own model.
enum ImportFixtures {
  static func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-import-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Linears of a made-up model: (name, in, out).
  static let linears = [("encoder.block.0.attn.qkv", 12, 36), ("encoder.block.1.ffn.wi", 12, 20)]
  static let rank = 3

  /// Seeded factors of one stage: linear → (A [r, in], B [out, r]); `drift` moves them from stage to stage.
  static func factors(stage: Int, seed: UInt64 = 7, drift: Double = 0.05) -> [String: (a: [Float], b: [Float])] {
    var out: [String: (a: [Float], b: [Float])] = [:]
    for (li, (name, inF, outF)) in linears.enumerated() {
      var base = SeededRNG(seed: seed &+ UInt64(li))
      var move = SeededRNG(seed: seed &+ 1000 &* UInt64(stage + 1) &+ UInt64(li))
      let a = (0..<(rank * inF)).map { _ in Float(0.3 * base.nextNormal() + drift * Double(stage) * move.nextNormal()) }
      let b = (0..<(outF * rank)).map { _ in Float(0.2 * base.nextNormal() + drift * Double(stage) * move.nextNormal()) }
      out[name] = (a, b)
    }
    return out
  }

  /// The bytes of `values` in `dtype` (F32, BF16 rounded to nearest even, F16 for exactly representable values).
  static func tensor(_ name: String, _ values: [Float], _ shape: [Int], _ dtype: SafetensorsDType) throws -> SafetensorsTensor {
    var data = Data()
    for v in values {
      switch dtype {
      case .BF16:
        withUnsafeBytes(of: BFloat16.bits(v).littleEndian) { data.append(contentsOf: $0) }
      case .F16:
        withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { data.append(contentsOf: $0) }
      default:
        withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
      }
    }
    return try SafetensorsTensor(name: name, dtype: dtype, shape: shape, bytes: data)
  }

  /// A PEFT adapter directory of stage `stage`.
  static func peftAdapter(
    at dir: URL, stage: Int, dtype: SafetensorsDType = .F32, rank configRank: Int = rank, seed: UInt64 = 7,
    targets: [String] = ["qkv", "wi"]
  ) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let config = """
      {"peft_type": "LORA", "r": \(configRank), "lora_alpha": 6, "target_modules": [\(targets.map { "\"\($0)\"" }.joined(separator: ", "))]}
      """
    try Data(config.utf8).write(to: dir.appendingPathComponent("adapter_config.json"))
    var tensors: [SafetensorsTensor] = []
    for (name, inF, outF) in linears {
      let (a, b) = factors(stage: stage, seed: seed)[name]!
      tensors.append(try tensor("base_model.model.\(name).lora_A.weight", a, [rank, inF], dtype))
      tensors.append(try tensor("base_model.model.\(name).lora_B.weight", b, [outF, rank], dtype))
    }
    try SafetensorsFile(tensors: tensors).write(to: dir.appendingPathComponent("adapter_model.safetensors"))
  }

  /// A released-code checkpoint after `stages` blocks: snapshots 0..<stages−1 and the current
  /// adapter of stage stages−1, plus backbone weights, in two shards with an index.
  static func releasedCheckpoint(at dir: URL, stages: Int) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var tensors: [SafetensorsTensor] = []
    for (name, inF, outF) in linears {
      for s in 0..<stages {
        let (a, b) = factors(stage: s)[name]!
        if s < stages - 1 {
          tensors.append(try tensor("\(name).A_matrices.\(s)", a, [rank, inF], .BF16))
          tensors.append(try tensor("\(name).B_matrices.\(s)", b, [outF, rank], .BF16))
        } else {
          tensors.append(try tensor("\(name).A", a, [rank, inF], .BF16))
          tensors.append(try tensor("\(name).B", b, [outF, rank], .BF16))
        }
      }
      tensors.append(try tensor("\(name).orig.weight", [Float](repeating: 0.5, count: inF * outF), [outF, inF], .BF16))
    }
    tensors.append(try tensor("encoder.embed.weight", [Float](repeating: 1, count: 64), [8, 8], .F32))
    let names = tensors.map(\.name).sorted()
    let halves = [Array(names.prefix(names.count / 2)), Array(names.dropFirst(names.count / 2))]
    var map: [String] = []
    for (k, part) in halves.enumerated() {
      let file = "model-0000\(k + 1)-of-00002.safetensors"
      try SafetensorsFile(tensors: tensors.filter { part.contains($0.name) }).write(to: dir.appendingPathComponent(file))
      map += part.map { "\"\($0)\": \"\(file)\"" }
    }
    try Data("{\"metadata\": {}, \"weight_map\": {\(map.joined(separator: ", "))}}".utf8)
      .write(to: dir.appendingPathComponent("model.safetensors.index.json"))
  }
}
