import LorascopeEngine

/// Small models and batches shared by the model tests.
enum ModelFixtures {
  /// A model small enough for finite differences, but with every kind of tensor.
  static let microConfig = ModelConfig(
    vocabSize: 23, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 24, maxPositions: 16)

  /// Random tokens with targets on the second half of each row and a padded last row.
  static func batch(config: ModelConfig, rows: Int = 3, seqLen: Int = 9, seed: UInt64 = 7) -> TokenBatch {
    var rng = SeededRNG(seed: seed)
    var list: [TrainingPair] = []
    for r in 0..<rows {
      let len = r == rows - 1 ? seqLen - 3 : seqLen
      let inputs = (0..<len).map { _ in Int32(1 + Int(rng.next() % UInt64(config.vocabSize - 1))) }
      let targets = (0..<len).map { i in
        i >= len / 2 ? Int32(3 + Int(rng.next() % UInt64(config.vocabSize - 3))) : -1
      }
      list.append(TrainingPair(inputs: inputs, targets: targets))
    }
    return TokenBatch(rows: list)
  }

  /// A seeded model whose weights are scaled up so gradients are far above Float32 noise.
  static func model(config: ModelConfig = microConfig, seed: UInt64 = 1, weightScale: Float = 8,
                    lora: LoRAConfig? = nil) throws -> LlamaModel {
    let m = try LlamaModel(config: config, seed: seed)
    var rng = SeededRNG(seed: seed &+ 99)
    for slot in m.layout.tensors.slots {
      for i in 0..<slot.count {
        if slot.shape.count == 2 {
          m.weights[slot.offset + i] *= weightScale
        } else {
          m.weights[slot.offset + i] = Float(1 + 0.3 * rng.nextNormal())
        }
      }
    }
    if let lora {
      m.attachLoRA(lora, seed: seed &+ 5)
      // Non-zero B so both factors carry gradient.
      for i in 0..<m.lora!.count { m.lora![i] += Float(0.3 * rng.nextNormal()) }
    }
    return m
  }
}
