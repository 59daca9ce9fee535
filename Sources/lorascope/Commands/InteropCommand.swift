import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope interop` (hidden): cross-implementation checks against `transformers` + `peft`
/// (Docs/Design.md §6 "the same logits, fp32"), driven by `Scripts/interop/check_transformers.py`.
///
/// `fixture` writes checkpoints plus the logits this engine computes for them, for Python to
/// load and compare; `score` computes logits for a checkpoint Python wrote, for Python to compare.
struct InteropCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "interop",
    abstract: "Cross-implementation checks with transformers and peft (used by Scripts/interop).",
    shouldDisplay: false,
    subcommands: [Fixture.self, Score.self])

  /// The fixture models: a small one that exercises uneven sizes, and Docs/Design.md §1's "tiny".
  static let fixtureModels: [(name: String, config: ModelConfig)] = [
    (
      "small",
      ModelConfig(vocabSize: 67, hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 96, maxPositions: 64)
    ),
    ("tiny", .tiny(vocabSize: 1027)),
  ]

  struct Fixture: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write seeded backbones + adapters (HF/PEFT) and the logits lorascope computes for them.",
      discussion: """
        For each fixture model X (small, tiny): OUT/X/backbone (LlamaForCausalLM directory), \
        OUT/X/adapter (PEFT, rank 8, alpha 16, all seven targets, B non-zero) and \
        OUT/X/expected.safetensors with input_ids (I64 [B, T]), logits_base and logits_lora \
        (F32 [B, T, V]) and ce_base, ce_lora (F64 scalars: mean next-token CE over every position, \
        as transformers computes it with labels = input_ids).
        """)

    @Option(help: "Output directory (one subdirectory per fixture model).")
    var out: String

    @Option(help: "Seed of the weights, the adapter and the token sequences.")
    var seed: UInt64 = 7

    func run() throws {
      let root = URL(fileURLWithPath: out).standardizedFileURL
      for (name, config) in InteropCommand.fixtureModels {
        let dir = root.appendingPathComponent(name)
        try writeFixture(config: config, to: dir)
        try printResult("wrote \(dir.path)")
      }
    }

    private func writeFixture(config: ModelConfig, to dir: URL) throws {
      let model = try LlamaModel(config: config, seed: seed)
      InteropWeights.spread(model, seed: SeedStream(root: seed).seed(.fixture, 1))
      let batch = InteropBatch.nextTokenBatch(InteropBatch.randomSequences(config: config, seed: SeedStream(root: seed).seed(.fixture, 2)))
      let logitsBase = try model.logits(batch)
      let ceBase = try model.loss(batch)

      model.attachLoRA(LoRAConfig(rank: 8, alpha: 16), seed: SeedStream(root: seed).seed(.fixture, 3))
      let layout = model.loraLayout!, values = model.lora!
      InteropWeights.randomizeB(layout: layout, values: values, seed: SeedStream(root: seed).seed(.fixture, 4))
      let logitsLora = try model.logits(batch)
      let ceLora = try model.loss(batch)

      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      let backboneDir = dir.appendingPathComponent("backbone")
      try ModelCheckpoint.writeBackbone(model, to: backboneDir)
      try ModelCheckpoint.writeAdapter(
        layout: layout, values: values, baseModelPath: backboneDir.path, to: dir.appendingPathComponent("adapter"))

      let logitsShape = [batch.batch, batch.seqLen, config.vocabSize]
      let expected = try SafetensorsFile(tensors: [
        SafetensorsTensor(
          name: "input_ids", int64s: batch.tokens.map(Int64.init), shape: [batch.batch, batch.seqLen]),
        SafetensorsTensor(name: "logits_base", floats: logitsBase, shape: logitsShape),
        SafetensorsTensor(name: "logits_lora", floats: logitsLora, shape: logitsShape),
        SafetensorsTensor(name: "ce_base", doubles: [ceBase], shape: []),
        SafetensorsTensor(name: "ce_lora", doubles: [ceLora], shape: []),
      ])
      try expected.write(to: dir.appendingPathComponent("expected.safetensors"))
    }
  }

  struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compute logits and mean next-token CE for input_ids with a checkpoint written by transformers/peft.",
      discussion: """
        Reads input_ids (I64 or I32, [B, T], no padding) from INPUTS and writes OUT with \
        input_ids, logits (F32 [B, T, V]) and, when T ≥ 2, ce (F64 scalar: mean CE of predicting \
        token t+1 at every position t, as transformers computes it with labels = input_ids).
        """)

    @Option(help: "A LlamaForCausalLM directory (config.json + model.safetensors).")
    var backbone: String

    @Option(help: "A PEFT LoRA adapter directory for that backbone (optional).")
    var adapter: String?

    @Option(help: "A safetensors file holding input_ids.")
    var inputs: String

    @Option(help: "Output safetensors file.")
    var out: String

    func run() throws {
      let model = try ModelCheckpoint.readBackbone(from: URL(fileURLWithPath: backbone))
      if let adapter {
        let loaded = try ModelCheckpoint.readAdapter(from: URL(fileURLWithPath: adapter), config: model.config)
        model.attachLoRA(loaded.lora, values: loaded.values)
        // modules_to_save copies replace the backbone's tensors, as in PEFT.
        if let e = loaded.embeddings { model.weights.write(e, at: model.layout.embedding) }
        if let h = loaded.lmHead { model.weights.write(h, at: model.layout.lmHead) }
      }
      let (ids, b, t) = try InteropBatch.readInputIDs(path: inputs, config: model.config)
      let batch = InteropBatch.nextTokenBatch((0..<b).map { Array(ids[($0 * t)..<(($0 + 1) * t)]) })
      var tensors = [
        try SafetensorsTensor(name: "input_ids", int64s: ids.map(Int64.init), shape: [b, t]),
        try SafetensorsTensor(name: "logits", floats: try model.logits(batch), shape: [b, t, model.config.vocabSize]),
      ]
      if t >= 2 { tensors.append(try SafetensorsTensor(name: "ce", doubles: [try model.loss(batch)], shape: [])) }
      try SafetensorsFile(tensors: tensors).write(to: URL(fileURLWithPath: out))
      try printResult("wrote \(out)")
    }
  }
}

/// Seeded fixture weights that make the logits non-trivial.
///
/// The engine's initialization (N(0, 0.02), unit norms) gives near-uniform logits, against which
/// a wrong RoPE, attention scale or norm weight would hardly show. Here every matrix gets a
/// spread of order one per output (std 1/√in, embeddings std 1, lm_head std 2/√hidden) and the
/// RMSNorm weights vary around 1, so that each part of the forward pass moves the logits.
enum InteropWeights {
  static func spread(_ model: LlamaModel, seed: UInt64) {
    var rng = SeededRNG(seed: seed)
    let w = model.weights
    for slot in model.layout.tensors.slots {
      let p = w.pointer(slot.offset)
      if slot.shape.count == 1 {
        for i in 0..<slot.count { p[i] = Float(1 + 0.2 * rng.nextNormal()) }
        continue
      }
      let std: Double
      switch slot.offset {
      case model.layout.embedding: std = 1
      case model.layout.lmHead: std = 2 / Double(slot.shape[1]).squareRoot()
      default: std = 1 / Double(slot.shape[1]).squareRoot()
      }
      for i in 0..<slot.count { p[i] = Float(std * rng.nextNormal()) }
    }
  }

  /// B ~ N(0, 0.1²) so that s·B·A changes the logits visibly (B = 0 at creation, Docs/Design.md §1).
  static func randomizeB(layout: LoRALayout, values: FloatBuffer, seed: UInt64) {
    var rng = SeededRNG(seed: seed)
    for m in layout.modules where m.factor == .b {
      let p = values.pointer(m.offset)
      for i in 0..<m.count { p[i] = Float(0.1 * rng.nextNormal()) }
    }
  }
}

/// Token sequences for the checks, in the layout transformers uses (`input_ids` [B, T]).
enum InteropBatch {
  /// Three sequences of max-positions tokens (every RoPE angle is used): BOS = 1, then random
  /// item tokens (≥ 3, Docs/Design.md §1 vocabulary).
  static func randomSequences(config: ModelConfig, seed: UInt64) -> [[Int32]] {
    var rng = SeededRNG(seed: seed)
    return (0..<3).map { _ in
      [1] + (1..<config.maxPositions).map { _ in Int32(3 + Int(rng.next() % UInt64(config.vocabSize - 3))) }
    }
  }

  /// Next-token targets at every position but the last, like transformers' `labels = input_ids`
  /// (its loss shifts the labels by one and averages over the B·(T−1) predicted tokens).
  static func nextTokenBatch(_ sequences: [[Int32]]) -> TokenBatch {
    TokenBatch(rows: sequences.map { s in TrainingPair(inputs: s, targets: Array(s.dropFirst()) + [-1]) })
  }

  /// `input_ids` of a safetensors file: I64 or I32 [B, T], B, T ≥ 1, tokens in the vocabulary,
  /// T within the model's positions. Returns the flat ids and B, T.
  static func readInputIDs(path: String, config: ModelConfig) throws -> (ids: [Int32], batch: Int, seqLen: Int) {
    func fail(_ why: String) -> LorascopeError { .invalidFile(path: path, reason: why) }
    let file = try SafetensorsFile.read(from: URL(fileURLWithPath: path))
    guard let tensor = file.tensors["input_ids"] else { throw fail("no tensor input_ids") }
    guard tensor.shape.count == 2, tensor.shape[0] > 0, tensor.shape[1] > 0 else {
      throw fail("input_ids has shape \(tensor.shape), expected [batch, seqLen] with both > 0")
    }
    let (b, t) = (tensor.shape[0], tensor.shape[1])
    guard t <= config.maxPositions else {
      throw fail("input_ids has \(t) positions, the model has max_position_embeddings \(config.maxPositions)")
    }
    let wide: [Int64]
    switch tensor.dtype {
    case .I64: wide = try tensor.int64s()
    case .I32: wide = try tensor.int32s().map(Int64.init)
    default: throw fail("input_ids is \(tensor.dtype.rawValue), expected I64 or I32")
    }
    if let bad = wide.indices.first(where: { wide[$0] < 0 || wide[$0] >= Int64(config.vocabSize) }) {
      throw fail("input_ids[\(bad / t)][\(bad % t)] = \(wide[bad]) is outside the vocabulary of \(config.vocabSize)")
    }
    return (wide.map { Int32($0) }, b, t)
  }
}
