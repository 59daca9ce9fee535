import Testing

@testable import LorascopeEngine

/// The dropout mask fills on every core but must be the serial stream's, draw for draw.
@Suite("Dropout masks")
struct DropoutMaskTests {
  @Test("the parallel mask equals one pass over the stream in padded order, padding's draws skipped")
  func maskIsTheSerialStream() {
    let lengths = [37, 0, 64, 5, 64, 12], seqLen = 64, inF = 24, p: Float = 0.3
    let rows = PackedRows(lengths: lengths, seqLen: seqLen, heads: 2)
    let stream = SeedStream(root: 17).generator(.loraDropoutMask, 3)
    let input = FloatBuffer(count: rows.count * inF), mask = FloatBuffer(count: rows.count * inF)
    let dropped = FloatBuffer(count: rows.count * inF)
    var values = SeededRNG(seed: 2)
    for i in 0..<input.count { input[i] = Float(values.nextNormal()) }
    DropoutMask.apply(input: input, mask: mask, dropped: dropped, rows: rows, inFeatures: inF, probability: p, stream: stream)

    var serial = stream, row = 0, kept = 0
    let keep = 1 / (1 - p)
    for (b, n) in lengths.enumerated() {
      for t in 0..<seqLen {
        for f in 0..<inF {
          let m: Float = serial.nextUniform() < Double(p) ? 0 : keep
          guard t < n else { continue }
          #expect(mask[row * inF + f] == m, "sequence \(b), position \(t), feature \(f)")
          #expect(dropped[row * inF + f] == input[row * inF + f] * m)
          if m != 0 { kept += 1 }
        }
        if t < n { row += 1 }
      }
    }
    #expect(row == rows.count)
    // About 1 − p of the entries are kept.
    let fraction = Double(kept) / Double(rows.count * inF)
    #expect(abs(fraction - 0.7) < 0.03, "kept \(fraction)")
  }

  @Test("the masked input gradient adds g ⊙ mask")
  func maskedGradient() {
    let n = 40_000
    let g = FloatBuffer(count: n), mask = FloatBuffer(count: n), dx = FloatBuffer(count: n)
    for i in 0..<n {
      g[i] = Float(i % 7) - 3
      mask[i] = i % 3 == 0 ? 0 : 2
      dx[i] = 1
    }
    DropoutMask.addMasked(g, mask: mask, into: dx, count: n)
    #expect((0..<n).allSatisfy { dx[$0] == 1 + g[$0] * mask[$0] })
  }
}

/// Hidden dropout masks the embedding and sublayer outputs only while training (Docs/Design.md §1).
@Suite("Hidden dropout")
struct HiddenDropoutTests {
  @Test("it changes the training loss, is the same for the same seed, and is off outside training")
  func appliesOnlyWhileTraining() throws {
    let model = try ModelFixtures.model()
    let batch = ModelFixtures.batch(config: model.config)
    let plain = try model.loss(batch)
    model.hiddenDropout = 0.3
    #expect(try model.loss(batch) == plain, "dropoutEnabled is false: no mask")
    model.dropoutEnabled = true
    let grads = ModelGradients(model: model, backbone: .all, lora: false)
    let seven = try model.lossAndGradients(batch, into: grads, dropoutSeed: 7)
    let eight = try model.lossAndGradients(batch, into: grads, dropoutSeed: 8)
    #expect(seven != plain && eight != seven, "a mask is drawn per dropout seed")
    #expect(try model.lossAndGradients(batch, into: grads, dropoutSeed: 7) == seven)
    model.hiddenDropout = 0
    #expect(try model.loss(batch) == plain, "probability 0 leaves the pass as it was")
  }

  @Test("masks are drawn per padded position: packing does not change them")
  func packedEqualsPadded() throws {
    let model = try ModelFixtures.model()
    let batch = ModelFixtures.batch(config: model.config)
    model.dropoutEnabled = true
    model.hiddenDropout = 0.25
    let grads = ModelGradients(model: model, backbone: .all, lora: false)
    let packed = try model.lossAndGradients(batch, into: grads, dropoutSeed: 3)
    model.packsRows = false
    let padded = try model.lossAndGradients(batch, into: grads, dropoutSeed: 3)
    #expect(abs(packed - padded) < 1e-5 * abs(packed))
  }
}
