import Foundation
import Testing

@testable import LorascopeEngine

/// The attention kernels cut each sequence into row blocks (`CausalBlocks`, Docs/Math.md §39);
/// they must equal the textbook formulas of Docs/Design.md §1 at lengths below, at and across
/// block boundaries.
@Suite("Causal attention")
struct CausalAttentionTests {
  /// Lengths below, at and past one and two blocks, and an empty sequence, in one packed batch.
  static let lengths = [1, CausalBlocks.rows - 1, CausalBlocks.rows, CausalBlocks.rows + 1, 0, 2 * CausalBlocks.rows + 7]
  static let heads = 2, headDim = 8

  @Test("blocks cover 0..<length in order, at most `rows` each")
  func blocks() {
    for length in [0, 1, 31, 32, 33, 85] {
      let blocks = Array(CausalBlocks(length: length))
      #expect(blocks.first?.lowerBound ?? 0 == 0)
      #expect(blocks.last?.upperBound ?? 0 == length)
      #expect(zip(blocks, blocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
      #expect(blocks.allSatisfy { !$0.isEmpty && $0.count <= CausalBlocks.rows })
    }
  }

  @Test("forward and backward equal the formulas computed in Double")
  func matchesReference() {
    let rows = PackedRows(lengths: Self.lengths, seqLen: Self.lengths.max()!, heads: Self.heads)
    let width = Self.heads * Self.headDim, n = rows.count * width
    var rng = SeededRNG(seed: 5)
    func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.nextNormal()) } }
    let q = random(n), k = random(n), v = random(n), dout = random(n)
    var out = [Float](repeating: .nan, count: n)
    var probs = [Float](repeating: .nan, count: rows.probCount)
    var scratch = [Float](repeating: .nan, count: rows.probCount)
    var dq = [Float](repeating: .nan, count: n), dk = dq, dv = dq
    CausalAttention.forward(out: &out, probs: &probs, q: q, k: k, v: v, rows: rows, headDim: Self.headDim)
    CausalAttention.backward(
      dq: &dq, dk: &dk, dv: &dv, dout: dout, probs: probs, q: q, k: k, v: v, scratch: &scratch,
      rows: rows, headDim: Self.headDim)
    let reference = Self.reference(q: q, k: k, v: v, dout: dout, rows: rows)
    for (name, got, want) in [("out", out, reference.out), ("dq", dq, reference.dq), ("dk", dk, reference.dk), ("dv", dv, reference.dv)] {
      let worst = zip(got, want).map { abs(Double($0) - $1) / (abs($1) + 1) }.max() ?? 0
      #expect(worst < 1e-5, "\(name): worst relative error \(worst)")
    }
    // Above the diagonal the stored probabilities are zero (the backward reads whole blocks).
    for (b, t) in Self.lengths.enumerated() {
      for h in 0..<Self.heads {
        let p = rows.probStarts[b] + h * t * t
        for i in 0..<t { for j in (i + 1)..<max(t, i + 1) { #expect(probs[p + i * t + j] == 0) } }
      }
    }
  }

  /// softmax(q kᵀ/√d + causal mask) v and its gradients, position by position in Double.
  static func reference(
    q: [Float], k: [Float], v: [Float], dout: [Float], rows: PackedRows
  ) -> (out: [Double], dq: [Double], dk: [Double], dv: [Double]) {
    let d = headDim, width = heads * d, n = rows.count * width
    let scale = 1 / Double(d).squareRoot()
    var out = [Double](repeating: 0, count: n), dq = out, dk = out, dv = out
    for (b, t) in rows.lengths.enumerated() {
      for h in 0..<heads {
        func at(_ i: Int, _ c: Int) -> Int { (rows.starts[b] + i) * width + h * d + c }
        for i in 0..<t {
          let scores = (0...i).map { j in (0..<d).reduce(0.0) { $0 + Double(q[at(i, $1)]) * Double(k[at(j, $1)]) } * scale }
          let top = scores.max()!
          let e = scores.map { Foundation.exp($0 - top) }, sum = e.reduce(0, +)
          let p = e.map { $0 / sum }
          for c in 0..<d { out[at(i, c)] = (0...i).reduce(0.0) { $0 + p[$1] * Double(v[at($1, c)]) } }
          // dP_j = dO_i · v_j;  dS_j = P_j (dP_j − Σ P dP)·scale.
          let dp = (0...i).map { j in (0..<d).reduce(0.0) { $0 + Double(dout[at(i, $1)]) * Double(v[at(j, $1)]) } }
          let mean = zip(p, dp).reduce(0.0) { $0 + $1.0 * $1.1 }
          for j in 0...i {
            let ds = p[j] * (dp[j] - mean) * scale
            for c in 0..<d {
              dv[at(j, c)] += p[j] * Double(dout[at(i, c)])
              dq[at(i, c)] += ds * Double(k[at(j, c)])
              dk[at(j, c)] += ds * Double(q[at(i, c)])
            }
          }
        }
      }
    }
    return (out, dq, dk, dv)
  }
}
