import LorascopeEngine
import Testing

/// Finite-difference checks of every parameter kind (Docs/Design.md §1: "verified by finite differences").
///
/// For each tensor we compare the analytic directional derivative gᵀu with the central
/// difference (L(θ + h u) − L(θ − h u)) / 2h along a random unit-scale direction u restricted
/// to that tensor (steps of norm 1e-2, Richardson-extrapolated). The error measure is
/// |numeric − analytic| / (max(|numeric|, |analytic|) + 0.5) and must stay below 3e-3:
/// 0.3% relative for derivatives of order one and more, and an absolute 1.5e-3 near zero,
/// where the Float32 forward pass cannot resolve more. Typical derivatives here are 0.1–12.
@Suite("Finite-difference gradient checks")
struct GradientCheckTests {
  static let bound = 3e-3
  static let absoluteFloor = 0.5

  static func directionalCheck(
    loss: () throws -> Double, analytic: Double, perturb: (Float) -> Void, h: Float
  ) throws -> Double {
    func central(_ h: Float) throws -> Double {
      perturb(h)
      let up = try loss()
      perturb(-2 * h)
      let down = try loss()
      perturb(h)
      return (up - down) / (2 * Double(h))
    }
    // Richardson extrapolation cancels the h² term of the central difference, so a step
    // large enough to stay clear of Float32 rounding still has negligible truncation error.
    let numeric = (4 * (try central(h / 2)) - (try central(h))) / 3
    // The absolute floor is the Float32 rounding of the loss (≈1e-6 relative on a loss of ≈3)
    // divided by the step; a wrong term in a backward formula shows up far above it.
    return abs(numeric - analytic) / (max(abs(numeric), abs(analytic)) + Self.absoluteFloor)
  }

  static func direction(count: Int, seed: UInt64) -> [Float] {
    var rng = SeededRNG(seed: seed)
    return (0..<count).map { _ in Float(rng.nextNormal()) }
  }

  @Test("full-parameter gradients of every backbone tensor, without and with a (fixed) hidden-dropout mask",
        arguments: [Float(0), 0.3])
  func backboneTensors(hiddenDropout: Float) throws {
    let model = try ModelFixtures.model()
    // Same dropout seed in every forward pass, so the masks are a fixed part of the function.
    model.dropoutEnabled = hiddenDropout > 0
    model.hiddenDropout = hiddenDropout
    let batch = ModelFixtures.batch(config: model.config)
    let grads = ModelGradients(model: model, backbone: .all, lora: false)
    try model.lossAndGradients(batch, into: grads)
    let g = grads.backbone!
    // One representative of every kind, in every layer.
    let names = model.layout.tensors.slots.map(\.name)
    #expect(names.count == 1 + 9 * model.config.numLayers + 2)
    for (k, slot) in model.layout.tensors.slots.enumerated() {
      let u = Self.direction(count: slot.count, seed: UInt64(k) + 11)
      var analytic = 0.0
      for i in 0..<slot.count { analytic += Double(g[slot.offset + i]) * Double(u[i]) }
      let err = try Self.directionalCheck(
        loss: { try model.loss(batch) }, analytic: analytic,
        perturb: { h in for i in 0..<slot.count { model.weights[slot.offset + i] += h * u[i] } },
        h: 1e-2 / Float(slot.count).squareRoot())
      #expect(err < Self.bound, "\(slot.name): relative error \(err)")
    }
  }

  @Test("LoRA gradients of every module, backbone frozen, without and with a (fixed) dropout mask",
        arguments: [Float(0), 0.3])
  func loraModules(dropout: Float) throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 4, alpha: 8, dropout: dropout))
    // Same dropout seed in every forward pass, so the mask is a fixed part of the function.
    model.dropoutEnabled = dropout > 0
    let batch = ModelFixtures.batch(config: model.config)
    let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
    #expect(grads.backbone == nil)
    try model.lossAndGradients(batch, into: grads)
    let g = grads.lora!, v = model.lora!
    let layout = model.loraLayout!
    #expect(layout.modules.count == 14 * model.config.numLayers)
    for (k, m) in layout.modules.enumerated() {
      let u = Self.direction(count: m.count, seed: UInt64(k) + 101)
      var analytic = 0.0
      for i in 0..<m.count { analytic += Double(g[m.offset + i]) * Double(u[i]) }
      let err = try Self.directionalCheck(
        loss: { try model.loss(batch) }, analytic: analytic,
        perturb: { h in for i in 0..<m.count { v[m.offset + i] += h * u[i] } },
        h: 1e-2 / Float(m.count).squareRoot())
      #expect(err < Self.bound, "\(m.name): relative error \(err)")
    }
  }

  @Test("embeddings and lm_head gradients in the paper's recipe (LoRA + trainable embeddings)")
  func embeddingsAndHead() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 2, alpha: 4))
    model.ceTemperature = 0.8
    let batch = ModelFixtures.batch(config: model.config)
    let grads = ModelGradients(model: model, backbone: .embeddingsAndHead, lora: true)
    try model.lossAndGradients(batch, into: grads)
    let g = grads.backbone!
    for name in ["model.embed_tokens.weight", "lm_head.weight"] {
      let slot = model.layout.tensors.slot(named: name)!
      let u = Self.direction(count: slot.count, seed: 5)
      var analytic = 0.0
      for i in 0..<slot.count { analytic += Double(g[slot.offset + i]) * Double(u[i]) }
      let err = try Self.directionalCheck(
        loss: { try model.loss(batch) }, analytic: analytic,
        perturb: { h in for i in 0..<slot.count { model.weights[slot.offset + i] += h * u[i] } },
        h: 1e-2 / Float(slot.count).squareRoot())
      #expect(err < Self.bound, "\(name): relative error \(err)")
    }
    // The rest of the backbone gets no gradient in this mode.
    let q = model.layout.tensors.slot(named: "model.layers.0.self_attn.q_proj.weight")!
    #expect((0..<q.count).allSatisfy { g[q.offset + $0] == 0 })
  }

  @Test("PESO, L2 and EWC penalty gradients", arguments: [ProximalPenalty.Kind.softmaxKL, .l2, .diagonalFisher])
  func penalties(kind: ProximalPenalty.Kind) throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 4, alpha: 8))
    let layout = model.loraLayout!
    let anchor = model.lora!.clone()
    var rng = SeededRNG(seed: 3)
    let v = model.lora!
    for i in 0..<v.count { v[i] += Float(0.5 * rng.nextNormal()) }
    let fisher = (0..<v.count).map { _ in Float(rng.nextUniform() + 0.1) }
    let penalty = ProximalPenalty(kind: kind, layout: layout, anchor: anchor, fisher: fisher)
    let strength = try penalty.strength(lambda: 3.5)
    let grad = FloatBuffer(count: v.count)
    let perModule = penalty.evaluate(v, strength: strength, gradient: grad)
    #expect(perModule.allSatisfy { $0 > 0 })
    for (k, m) in layout.modules.enumerated() where k % 5 == 0 {
      let u = Self.direction(count: m.count, seed: UInt64(k) + 1)
      var analytic = 0.0
      for i in 0..<m.count { analytic += Double(grad[m.offset + i]) * Double(u[i]) }
      let err = try Self.directionalCheck(
        loss: { penalty.total(penalty.evaluate(v, strength: strength), strength: strength) }, analytic: analytic,
        perturb: { h in for i in 0..<m.count { v[m.offset + i] += h * u[i] } }, h: 1e-2)
      #expect(err < Self.bound, "\(kind) \(m.name): relative error \(err)")
    }
    // At the anchor every penalty is zero.
    #expect(penalty.evaluate(anchor, strength: strength).allSatisfy { abs($0) < 1e-12 })
  }
}

/// Layer 0 skips its input gradient when the embeddings are frozen; the adapter's gradients must
/// not notice.
@Suite("The input gradient below layer 0")
struct LayerZeroInputGradientTests {
  @Test("LoRA gradients with a frozen backbone equal those computed next to embedding gradients, bit for bit")
  func loraGradientsUnchanged() throws {
    let config = ModelConfig(vocabSize: 40, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 48, maxPositions: 32)
    let model = try ModelFixtures.model(config: config, seed: 5, weightScale: 1, lora: LoRAConfig(rank: 4, alpha: 8))
    var rng = SeededRNG(seed: 9)
    let rows = (0..<3).map { _ -> TrainingPair in
      let tokens = (0..<13).map { _ in Int32(3 + Int(rng.next() % 37)) }
      return TrainingPair(inputs: Array(tokens.dropLast()), targets: Array(tokens.dropFirst()))
    }
    let batch = TokenBatch(rows: rows)
    let frozen = ModelGradients(model: model, backbone: .frozen, lora: true)
    let withEmbeddings = ModelGradients(model: model, backbone: .embeddingsAndHead, lora: true)
    let lossFrozen = try model.lossAndGradients(batch, into: frozen)
    let lossEmbeddings = try model.lossAndGradients(batch, into: withEmbeddings)
    #expect(lossFrozen == lossEmbeddings)
    let a = try #require(frozen.lora), b = try #require(withEmbeddings.lora)
    #expect(a.array == b.array)
    // The embedding gradient itself was computed (the skipped path is not skipped there).
    let embedding = try #require(withEmbeddings.backbone).slice(model.layout.embedding, config.vocabSize * config.hiddenSize)
    #expect(embedding.contains { $0 != 0 })
  }
}

/// The forward's buffers outlive a batch: a smaller batch after a larger one runs in the larger
/// buffers. Results must not depend on what ran before.
@Suite("Activation buffers reused across batch shapes")
struct ActivationReuseTests {
  static func batch(rows: Int, length: Int, seed: UInt64) -> TokenBatch {
    var rng = SeededRNG(seed: seed)
    return TokenBatch(rows: (0..<rows).map { _ in
      let tokens = (0...length).map { _ in Int32(3 + Int(rng.next() % 37)) }
      return TrainingPair(inputs: Array(tokens.dropLast()), targets: Array(tokens.dropFirst()))
    })
  }

  @Test("loss and LoRA gradients of a batch are the same after a larger batch as in a fresh model")
  func reuseDoesNotChangeResults() throws {
    let config = ModelConfig(vocabSize: 40, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 48, maxPositions: 32)
    let used = try ModelFixtures.model(config: config, seed: 5, weightScale: 1, lora: LoRAConfig(rank: 4, alpha: 8))
    let fresh = try ModelFixtures.model(config: config, seed: 5, weightScale: 1, lora: LoRAConfig(rank: 4, alpha: 8))
    let large = Self.batch(rows: 5, length: 24, seed: 1), small = Self.batch(rows: 3, length: 9, seed: 2)
    let warmup = ModelGradients(model: used, backbone: .frozen, lora: true)
    _ = try used.lossAndGradients(large, into: warmup)
    let after = ModelGradients(model: used, backbone: .frozen, lora: true)
    let alone = ModelGradients(model: fresh, backbone: .frozen, lora: true)
    #expect(try used.lossAndGradients(small, into: after) == fresh.lossAndGradients(small, into: alone))
    #expect(try #require(after.lora).array == #require(alone.lora).array)
    // And back to the larger shape: still the fresh model's numbers.
    let again = ModelGradients(model: used, backbone: .frozen, lora: true)
    let freshLarge = ModelGradients(model: fresh, backbone: .frozen, lora: true)
    #expect(try used.lossAndGradients(large, into: again) == fresh.lossAndGradients(large, into: freshLarge))
    #expect(try #require(again.lora).array == #require(freshLarge.lora).array)
  }
}
