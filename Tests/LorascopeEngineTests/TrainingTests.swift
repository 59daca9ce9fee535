@testable import LorascopeEngine
import Foundation
import Testing

@Suite("Training: AdamW, schedule, overfitting a tiny set")
struct TrainingTests {
  /// A fixed, tiny set of sequences: 4 rows of 10 tokens, every position a target.
  static func tinySet(vocab: Int) -> TokenBatch {
    var rng = SeededRNG(seed: 42)
    let rows = (0..<4).map { _ -> TrainingPair in
      let toks = (0..<11).map { _ in Int32(3 + Int(rng.next() % UInt64(vocab - 3))) }
      return TrainingPair(inputs: Array(toks.dropLast()), targets: Array(toks.dropFirst()))
    }
    return TokenBatch(rows: rows)
  }

  @Test("the schedule warms up linearly and decays by cosine to its floor")
  func schedule() {
    let s = LearningRateSchedule(peak: 1e-3, warmupSteps: 10, totalSteps: 110, minFraction: 0.1)
    #expect(abs(s.rate(at: 0) - 1e-4) < 1e-9)
    #expect(abs(s.rate(at: 9) - 1e-3) < 1e-9)
    #expect(abs(s.rate(at: 60) - 0.55e-3) < 1e-8)
    #expect(abs(s.rate(at: 110) - 1e-4) < 1e-9)
    #expect(s.rate(at: 30) > s.rate(at: 31))
  }

  @Test("clipping scales the global gradient norm down to the bound")
  func clipping() {
    let p = FloatBuffer(count: 4), g = FloatBuffer([3, 0, 4, 0])
    let opt = AdamW(config: AdamWConfig(), groups: [.init(parameters: p, gradients: g)])
    #expect(abs(opt.clipGradients(maxNorm: 1) - 5) < 1e-9)
    #expect(abs(opt.gradientNorm() - 1) < 1e-6)
  }

  @Test("AdamW's eight-lane update gives the bits of the element-by-element formula, ranges and tails included")
  func adamWMatchesScalarFormula() {
    let count = 100_003
    var rng = SeededRNG(seed: 9)
    let start = (0..<count).map { _ in Float(rng.nextNormal()) }
    let p = FloatBuffer(start), g = FloatBuffer(count: count)
    // Two ranges with odd ends, large enough to split over the cores; the rest must not move.
    let ranges = [3..<70_001, 70_010..<count]
    let config = AdamWConfig(weightDecay: 0.05)
    let opt = AdamW(config: config, groups: [.init(parameters: p, gradients: g, ranges: ranges)])
    var expected = start, m = [Float](repeating: 0, count: count), v = m
    for step in 1...3 {
      for i in 0..<count { g[i] = Float(rng.nextNormal()) }
      let lr: Float = 1e-2
      opt.step(learningRate: lr)
      let c1 = 1 - Foundation.pow(config.beta1, Float(step)), c2 = 1 - Foundation.pow(config.beta2, Float(step))
      for r in ranges {
        for i in r {
          let grad = g[i]
          m[i] = config.beta1 * m[i] + (1 - config.beta1) * grad
          v[i] = config.beta2 * v[i] + (1 - config.beta2) * grad * grad
          let mHat = m[i] / c1, vHat = v[i] / c2
          expected[i] -= lr * (mHat / (vHat.squareRoot() + config.epsilon) + config.weightDecay * expected[i])
        }
      }
      #expect(p.array.map(\.bitPattern) == expected.map(\.bitPattern), "step \(step)")
    }
    #expect(p[70_005] == start[70_005] && p[0] == start[0])
  }

  @Test("full-parameter training overfits a tiny fixed set (CE < 0.05)")
  func overfitFull() throws {
    let config = ModelConfig(vocabSize: 40, hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 64, maxPositions: 16)
    let model = try LlamaModel(config: config, seed: 3)
    let batch = Self.tinySet(vocab: config.vocabSize)
    let grads = ModelGradients(model: model, backbone: .all, lora: false)
    let opt = AdamW(config: AdamWConfig(weightDecay: 0), groups: [.init(parameters: model.weights, gradients: grads.backbone!)])
    let start = try model.loss(batch)
    for _ in 0..<150 {
      grads.zero()
      try model.lossAndGradients(batch, into: grads)
      opt.clipGradients(maxNorm: 1)
      opt.step(learningRate: 1e-2)
    }
    let end = try model.loss(batch)
    #expect(start > 3)
    #expect(end < 0.05, "final CE \(end)")
  }

  @Test("LoRA-only training overfits (CE < 0.1) and never changes a backbone byte")
  func overfitLoRA() throws {
    let config = ModelConfig(vocabSize: 24, hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 64, maxPositions: 16)
    let model = try LlamaModel(config: config, seed: 3)
    // Vocabulary below the hidden size: with a frozen lm_head, a token whose output row lies
    // inside the convex hull of the others could never become the most likely one.
    for slot in model.layout.tensors.slots where slot.shape.count == 2 {
      for i in slot.offset..<(slot.offset + slot.count) { model.weights[i] *= 5 }
    }
    // The final RMSNorm caps the logits' scale and LoRA cannot change it: give it room, as a
    // pretrained backbone would have.
    for i in model.layout.finalNorm..<(model.layout.finalNorm + config.hiddenSize) { model.weights[i] = 10 }
    let before = model.weights.array
    model.attachLoRA(LoRAConfig(rank: 8, alpha: 16), seed: 9)
    let batch = Self.tinySet(vocab: config.vocabSize)
    let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
    let opt = AdamW(config: AdamWConfig(weightDecay: 0), groups: [.init(parameters: model.lora!, gradients: grads.lora!)])
    let start = try model.loss(batch)
    for _ in 0..<300 {
      grads.zero()
      try model.lossAndGradients(batch, into: grads)
      opt.step(learningRate: 3e-3)
    }
    let end = try model.loss(batch)
    #expect(end < 0.1 * start, "CE \(start) → \(end)")
    #expect(end < 0.1, "final CE \(end)")
    #expect(model.weights.array == before)
  }
}
