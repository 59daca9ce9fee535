import Foundation
@testable import LorascopeEngine
import Testing

/// The released code's softmax-KL in bfloat16 (Docs/Math.md "The penalty in bfloat16").
@Suite("bf16 penalty")
struct BFloat16PenaltyTests {
  @Test("round to nearest even at bf16's 7 mantissa bits")
  func rounding() {
    #expect(BFloat16.round(1) == 1)
    // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: ties go to the even mantissa (1).
    #expect(BFloat16.round(1 + 0x1p-8) == 1)
    // 1 + 3·2⁻⁸ is halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶: ties go to 1 + 2⁻⁶ (even).
    #expect(BFloat16.round(1 + 3 * 0x1p-8) == 1 + 0x1p-6)
    #expect(BFloat16.round(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
    // Below 1 the spacing halves: 1 − 2⁻⁹ is a tie between 1 − 2⁻⁸ and 1 → 1 (even).
    #expect(BFloat16.round(1 - 0x1p-9) == 1)
    #expect(BFloat16.round(1 - 0x1p-9 - 0x1p-20) == 1 - 0x1p-8)
    #expect(BFloat16.round(-2.5) == -2.5)
    #expect(BFloat16.round(.nan).isNaN)
    #expect(BFloat16.round(.greatestFiniteMagnitude) == .infinity)
    // 1e-8 added to p ≈ 1/1000 vanishes in bf16.
    let p = BFloat16.round(1.0 / 1000)
    #expect(BFloat16.round(p + 1e-8) == p)
  }

  /// A reference written out op by op on hand-made vectors, rounding every intermediate.
  static func reference(_ x: [Float], _ y: [Float]) -> Float {
    let b = BFloat16.round
    func probabilities(_ v: [Float]) -> [Float] {
      let r = v.map(b)
      let top = r.max() ?? 0
      let e = r.map { Foundation.exp($0 - top) }
      let total = e.reduce(0, +)
      let p1 = e.map { b(b($0 / total) + 1e-8) }
      let s = b(p1.reduce(0, +))
      return p1.map { b($0 / s) }
    }
    let p = probabilities(x), q = probabilities(y)
    var sum: Float = 0
    for i in p.indices { sum += b(p[i] * b(Foundation.log(b(p[i] / q[i])))) }
    return max(b(sum), 0)
  }

  @Test("hand-made vectors, including ratios p/q that round unevenly around 1")
  func handMade() {
    let cases: [([Float], [Float])] = [
      ([0.1, -0.2, 0.3, 0.05], [0.1, -0.21, 0.28, 0.06]),
      // Near-uniform factor, ±1e-3 updates: p/q lands on 1 − k·2⁻⁸ below 1 and 1 + k·2⁻⁷ above.
      ([0.001, -0.001, 0.002, -0.002, 0.0005, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]),
      ([0.003, 0.0, -0.004, 0.001], [0.0, 0.003, 0.0, -0.002]),
    ]
    for (x, y) in cases {
      let got = x.withUnsafeBufferPointer { xs in
        y.withUnsafeBufferPointer { ys in BFloat16SoftmaxKL.evaluate(current: xs, previous: ys, gradient: false).value }
      }
      #expect(got == Self.reference(x, y), "\(x) vs \(y)")
    }
    // Why those ratios are uneven: bf16's grid is 2⁻⁷ above 1 and 2⁻⁸ below, so ratios
    // 1 ± 2⁻¹⁰ both collapse to 1 (log = 0) while 1 − 2⁻⁸ − 2⁻¹⁰ keeps a step of 2⁻⁸.
    #expect(BFloat16.round(1 + 0x1p-10) == 1)
    #expect(BFloat16.round(1 - 0x1p-10) == 1)
    #expect(BFloat16.round(1 - 0x1p-8 - 0x1p-10) == 1 - 0x1p-8)
  }

  struct TorchCase: Decodable {
    let name: String
    let current: [Float]
    let previous: [Float]
    let kl: Float
    let gradient: [Float]
  }

  struct TorchFile: Decodable {
    let torch: String
    let cases: [TorchCase]
  }

  /// Made by Scripts/bf16/penalty_reference.py with PyTorch's bf16 kernels on the CPU.
  static func torchCases() throws -> TorchFile {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/bf16_penalty_torch.json")
    return try JSONDecoder().decode(TorchFile.self, from: Data(contentsOf: url))
  }

  @Test("value and gradient agree with PyTorch's bf16 autograd on the same op sequence")
  func againstTorch() throws {
    let file = try Self.torchCases()
    #expect(file.cases.contains { $0.name == "clamped" })
    for c in file.cases {
      let (value, gradient) = c.current.withUnsafeBufferPointer { xs in
        c.previous.withUnsafeBufferPointer { ys in BFloat16SoftmaxKL.evaluate(current: xs, previous: ys, gradient: true) }
      }
      let g = try #require(gradient)
      // Equal to one bf16 step (torch's vectorized exp may differ from libm's by an ulp,
      // which can move a rounded probability by one bf16 step).
      #expect(abs(value - c.kl) <= max(abs(c.kl), 1e-30) * 0x1p-7, "\(c.name): \(value) vs torch \(c.kl)")
      let dot = zip(g, c.gradient).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
      let ng = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
      let nt = c.gradient.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
      if nt == 0 {
        #expect(ng == 0, "\(c.name): torch's gradient is 0, ours has norm \(ng)")
      } else {
        #expect(dot / (ng * nt) > 0.999, "\(c.name): cosine \(dot / (ng * nt))")
        let same = zip(g, c.gradient).filter { $0 == $1 }.count
        #expect(Double(same) >= 0.9 * Double(g.count), "\(c.name): \(same) of \(g.count) entries equal")
      }
    }
  }

  @Test("the penalty in bf16 adds λ_eff times the emulated gradient; the comparison reports both arithmetics")
  func penaltyIntegration() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 2, alpha: 4))
    let layout = try #require(model.loraLayout)
    let anchor = model.lora!.clone()
    let v = model.lora!
    var rng = SeededRNG(seed: 12)
    for i in 0..<v.count { v[i] += Float(0.05 * rng.nextNormal()) }
    let penalty = ProximalPenalty(kind: .softmaxKL, layout: layout, anchor: anchor, precision: .bf16)
    let strength = try penalty.strength(lambda: 4)
    let gradient = FloatBuffer(count: v.count)
    let values = penalty.evaluate(v, strength: strength, gradient: gradient)
    let m = layout.modules[1]
    let anchorValues = anchor.slice(m.offset, m.count), current = v.slice(m.offset, m.count)
    let (kl, g) = current.withUnsafeBufferPointer { x in
      anchorValues.withUnsafeBufferPointer { y in BFloat16SoftmaxKL.evaluate(current: x, previous: y, gradient: true) }
    }
    #expect(values[1] == Double(kl))
    let w = Float(strength.effective)
    for j in 0..<m.count { #expect(gradient[m.offset + j] == w * g![j]) }

    let comparison = try penalty.precisionComparison(at: v)
    #expect(comparison.count == layout.modules.count)
    let exact = ProximalPenalty(kind: .softmaxKL, layout: layout, anchor: anchor).evaluate(v, strength: strength)
    for (k, row) in comparison.enumerated() {
      #expect(row.module == layout.modules[k].name)
      #expect(row.exact == exact[k])
      #expect(row.bf16 == values[k])
      // A resolved update (0.05 per entry): the two gradients point the same way.
      #expect((row.gradientCosine ?? 0) > 0.9, "\(row.module): cosine \(String(describing: row.gradientCosine))")
    }
    // At the anchor the exact KL is 0 and the bf16 one too (same rounded probabilities).
    let atAnchor = try penalty.precisionComparison(at: anchor)
    #expect(atAnchor.allSatisfy { abs($0.exact) < 1e-12 && $0.bf16 == 0 })
    #expect(throws: LorascopeError.self) {
      try ProximalPenalty(kind: .l2, layout: layout, anchor: anchor).precisionComparison(at: v)
    }
  }
}
