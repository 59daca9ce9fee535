import Testing

@testable import LorascopeEngine

/// The passes compute only each sequence's real positions (`PackedRows`, Docs/Design.md §1);
/// every result must equal the padded layout's up to float rounding.
@Suite("Packed rows")
struct PackedRowsTests {
  @Test("rows, positions and attention blocks of a ragged batch")
  func layout() {
    let rows = PackedRows(lengths: [3, 0, 5], seqLen: 5, heads: 2)
    #expect(rows.starts == [0, 3, 3])
    #expect(rows.count == 8)
    #expect(rows.positions == [0, 1, 2, 0, 1, 2, 3, 4])
    #expect(rows.probStarts == [0, 18, 18])
    #expect(rows.probCount == 2 * (9 + 25))
    #expect(rows.attentionPairCosts == [9, 9, 0, 0, 25, 25])
    // Flat b·T + t: (0, 2) is row 2; (0, 3) is padding; (2, 4) is row 7; all of row 1 is padding.
    #expect(rows.row(ofFlat: 2) == 2)
    #expect(rows.row(ofFlat: 3) == nil)
    #expect(rows.row(ofFlat: 5) == nil)
    #expect(rows.row(ofFlat: 14) == 7)
    #expect(rows.rows(ofFlat: [0, 10, 14]) == [0, 3, 7])
  }

  @Test("a batch built from rows of several lengths knows them; a full batch is unpadded")
  func batchLengths() {
    let batch = ModelFixtures.batch(config: ModelFixtures.microConfig, rows: 3, seqLen: 9)
    #expect(batch.lengths == [9, 9, 6])
    let packed = PackedRows(batch, heads: 2)
    #expect(packed.count == 24)
    #expect(PackedRows(batch, heads: 2, packed: false).count == 27)
    let full = TokenBatch(batch: 2, seqLen: 4, tokens: [Int32](repeating: 1, count: 8), targets: [Int32](repeating: 2, count: 8))
    #expect(full.lengths == [4, 4])
  }

  @Test("balanced runs partition the items in order and split their cost evenly", arguments: [1, 2, 3, 8])
  func balancedRuns(chunks: Int) {
    var rng = SeededRNG(seed: 11)
    for _ in 0..<50 {
      let costs = (0..<Int(rng.next() % 40)).map { _ in Int(rng.next() % 100) }
      let runs = Parallel.balancedRuns(costs, chunks: chunks)
      #expect(runs.flatMap { Array($0) } == Array(costs.indices))
      #expect(runs.count <= chunks && runs.allSatisfy { !$0.isEmpty })
      let total = costs.reduce(0, +), largest = costs.max() ?? 0
      for run in runs {
        let cost = costs[run].reduce(0, +)
        // A run stops at the first item past its share, so it exceeds the share by less than one item.
        #expect(cost * chunks <= total + chunks * largest, "run \(run) costs \(cost) of \(total)")
      }
    }
    // Equal costs over as many items as runs: one item each.
    #expect(Parallel.balancedRuns([4, 4, 4, 4], chunks: 4) == [0..<1, 1..<2, 2..<3, 3..<4])
    #expect(Parallel.balancedRuns([], chunks: 2).isEmpty)
  }

  @Test("skipping n outputs lands where n draws would")
  func rngSkip() {
    for n in [0, 1, 7, 1000] {
      var drawn = SeededRNG(seed: 5), skipped = SeededRNG(seed: 5)
      for _ in 0..<n { _ = drawn.next() }
      skipped.skip(n)
      #expect(drawn.next() == skipped.next())
    }
  }

  /// Loss, adapter gradient, per-example gradients and backbone gradient of one step.
  struct Step: Equatable {
    var loss: Double
    var lora: [Float]
    var perExample: [Float]
    var backbone: [Float]
  }

  static func step(_ model: LlamaModel, packs: Bool, backbone: BackboneTraining, perExample: Bool) throws -> Step {
    model.packsRows = packs
    let batch = ModelFixtures.batch(config: model.config, rows: 4, seqLen: 11)
    let grads = ModelGradients(model: model, backbone: backbone, lora: model.lora != nil)
    let pe = perExample ? FloatBuffer(count: batch.batch * (model.loraLayout?.count ?? 0)) : nil
    let loss = try model.lossAndGradients(batch, into: grads, perExample: pe, dropoutSeed: 9)
    return Step(loss: loss, lora: grads.lora?.array ?? [], perExample: pe?.array ?? [], backbone: grads.backbone?.array ?? [])
  }

  static func close(_ a: [Float], _ b: [Float], _ what: String) {
    #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
    let scale = b.map(abs).max() ?? 0
    let err = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    #expect(b.isEmpty || scale > 0, "\(what) is all zero")
    #expect(err <= 1e-5 * scale, "\(what): max |Δ| = \(err) at scale \(scale)")
  }

  /// The step packed (41 rows: the fixture's 4 × 11 positions less 3 of padding), then padded
  /// (44 rows); their losses must agree to rounding.
  static func packedAndPadded(_ model: LlamaModel, backbone: BackboneTraining, perExample: Bool) throws -> (Step, Step) {
    let packed = try step(model, packs: true, backbone: backbone, perExample: perExample)
    #expect(model.activations?.rows.count == 41)
    let padded = try step(model, packs: false, backbone: backbone, perExample: perExample)
    #expect(model.activations?.rows.count == 44)
    #expect(abs(packed.loss - padded.loss) <= 1e-6 * abs(padded.loss))
    return (packed, padded)
  }

  @Test("packed and padded steps agree: LoRA with dropout (masks per padded position), per example, and folded",
        arguments: [Float(0), 0.3])
  func loraStep(dropout: Float) throws {
    for perExample in [false, true] {
      let model = try ModelFixtures.model(config: ModelFixtures.microConfig, lora: LoRAConfig(rank: 4, alpha: 8, dropout: dropout))
      model.dropoutEnabled = dropout > 0
      let (packed, padded) = try Self.packedAndPadded(model, backbone: .frozen, perExample: perExample)
      Self.close(packed.lora, padded.lora, "LoRA gradient")
      Self.close(packed.perExample, padded.perExample, "per-example gradients")
    }
  }

  @Test("packed and padded full steps agree, embeddings included")
  func fullStep() throws {
    let (packed, padded) = try Self.packedAndPadded(try ModelFixtures.model(config: ModelFixtures.microConfig), backbone: .all, perExample: false)
    Self.close(packed.backbone, padded.backbone, "backbone gradient")
  }

  @Test("next-token scores of contexts of several lengths equal the padded pass's")
  func scoring() throws {
    let model = try ModelFixtures.model(config: ModelFixtures.microConfig, lora: LoRAConfig(rank: 4, alpha: 8))
    let contexts: [[Int32]] = [[3, 4, 5, 6, 7, 8], [9], [10, 11, 12]]
    model.packsRows = true
    let packed = try model.nextTokenLogProbs(contexts: contexts)
    #expect(model.activations?.rows.count == 10)
    model.packsRows = false
    let padded = try model.nextTokenLogProbs(contexts: contexts)
    Self.close(packed.flatMap { $0 }, padded.flatMap { $0 }, "log-probabilities")
  }
}
