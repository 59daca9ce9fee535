import Testing

@testable import LorascopeEngine

/// The dropout mask fills on every core but must be the serial stream's, draw for draw.
@Suite("LoRA dropout mask")
struct LoRADropoutTests {
  @Test("the parallel mask equals one pass over the stream in padded order, padding's draws skipped")
  func maskIsTheSerialStream() {
    let lengths = [37, 0, 64, 5, 64, 12], seqLen = 64, inF = 24, p: Float = 0.3
    let rows = PackedRows(lengths: lengths, seqLen: seqLen, heads: 2)
    let stream = SeedStream(root: 17).generator(.loraDropoutMask, 3)
    let input = FloatBuffer(count: rows.count * inF), mask = FloatBuffer(count: rows.count * inF)
    let dropped = FloatBuffer(count: rows.count * inF)
    var values = SeededRNG(seed: 2)
    for i in 0..<input.count { input[i] = Float(values.nextNormal()) }
    LoRADropout.apply(input: input, mask: mask, dropped: dropped, rows: rows, inFeatures: inF, probability: p, stream: stream)

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
    LoRADropout.addMasked(g, mask: mask, into: dx, count: n)
    #expect((0..<n).allSatisfy { dx[$0] == 1 + g[$0] * mask[$0] })
  }
}
