import Testing

@testable import LorascopeEngine

/// The training path folds the adapter into W (one GEMM for the forward and the input gradient,
/// Docs/Math.md §10) when no dropout mask is drawn; it must agree with the three-GEMM path.
@Suite("Folded adapter in the training step")
struct FoldedAdapterTests {
  static func lossAndGradient(_ model: LlamaModel, folds: Bool, dropoutSeed: UInt64 = 0) throws -> (Double, [Float], Bool) {
    model.foldsAdapter = folds
    let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
    let batch = ModelFixtures.batch(config: model.config)
    let loss = try model.lossAndGradients(batch, into: grads, dropoutSeed: dropoutSeed)
    return (loss, grads.lora?.array ?? [], model.forwardFolded)
  }

  @Test("folded and unfolded steps give the same loss and adapter gradient up to rounding")
  func foldedMatchesUnfolded() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 4, alpha: 8))
    let (foldedLoss, foldedGrad, didFold) = try Self.lossAndGradient(model, folds: true)
    let (plainLoss, plainGrad, plainFolded) = try Self.lossAndGradient(model, folds: false)
    #expect(didFold && !plainFolded)
    #expect(abs(foldedLoss - plainLoss) < 1e-5 * max(1, abs(plainLoss)))
    let scale = plainGrad.map(abs).max() ?? 0
    let err = zip(foldedGrad, plainGrad).map { abs($0 - $1) }.max() ?? .infinity
    #expect(scale > 0)
    #expect(err < 1e-4 * scale, "max |Δ grad| = \(err) at scale \(scale)")
  }

  @Test("with dropout on the step does not fold, and repeats bit for bit")
  func dropoutDoesNotFold() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 4, alpha: 8, dropout: 0.2))
    model.dropoutEnabled = true
    let (lossA, gradA, foldedA) = try Self.lossAndGradient(model, folds: true, dropoutSeed: 3)
    let (lossB, gradB, _) = try Self.lossAndGradient(model, folds: true, dropoutSeed: 3)
    #expect(!foldedA)
    #expect(lossA == lossB && gradA == gradB)
    // Dropout off at evaluation: the mask is all ones, so folding is exact again.
    model.dropoutEnabled = false
    let (_, _, foldedEval) = try Self.lossAndGradient(model, folds: true)
    #expect(foldedEval)
  }

  @Test("one region per adapted linear gives the bits of separate regions, split or not")
  func fusedRegionsMatchSeparate() throws {
    // Large enough that the backbone products split over the cores (BLAS.splitThreshold); the
    // batches make the adapter's products split too, not at all, or neither splits.
    let config = ModelConfig(
      vocabSize: 61, hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 96, maxPositions: 48)
    let model = try ModelFixtures.model(config: config, weightScale: 1, lora: LoRAConfig(rank: 4, alpha: 8))
    let lora = try #require(model.lora)
    var rng = SeededRNG(seed: 12)
    for i in 0..<lora.count { lora[i] += Float(0.05 * rng.nextNormal()) }
    for (rows, seqLen) in [(16, 40), (8, 30), (3, 9)] {
      let batch = ModelFixtures.batch(config: config, rows: rows, seqLen: seqLen)
      func step(fused: Bool) throws -> (loss: Double, gradient: [Float]) {
        model.fusesAdapterRegions = fused
        let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
        let loss = try model.lossAndGradients(batch, into: grads)
        #expect(model.forwardFolded)
        // Safe unwrap: lora: true allocates the adapter's gradient.
        return (loss, grads.lora!.array)
      }
      let fused = try step(fused: true), separate = try step(fused: false)
      #expect(fused.loss.bitPattern == separate.loss.bitPattern, "\(rows)×\(seqLen)")
      let differing = zip(fused.gradient, separate.gradient).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(differing == 0, "\(rows)×\(seqLen): \(differing) gradient entries differ")
      #expect(fused.gradient.contains { $0 != 0 })
    }
  }

  @Test("the folded step repeats bit for bit")
  func foldedIsDeterministic() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 4, alpha: 8))
    let first = try Self.lossAndGradient(model, folds: true)
    let second = try Self.lossAndGradient(model, folds: true)
    #expect(first.0 == second.0 && first.1 == second.1)
  }
}
