import Testing

@testable import LorascopeEngine

/// Rotary embedding (Docs/Math.md §4) rotates eight lanes at a time and the rest one by one;
/// both must give the formula's bits.
@Suite("Rotary embedding")
struct RotaryTests {
  @Test("apply equals the formula bit for bit and applyBackward undoes it", arguments: [8, 16, 40])
  func matchesFormula(headDim: Int) {
    let table = RotaryTable(headDim: headDim, maxPositions: 64, theta: 10_000)
    let rows = PackedRows(lengths: [5, 0, 37], seqLen: 37, heads: 3)
    let width = rows.heads * headDim, half = headDim / 2
    var rng = SeededRNG(seed: 3)
    let x = (0..<(rows.count * width)).map { _ in Float(rng.nextNormal()) }
    var rotated = x
    table.apply(&rotated, rows: rows)
    for i in 0..<rows.count {
      let t = Int(rows.positions[i])
      for h in 0..<rows.heads {
        for j in 0..<half {
          let lo = i * width + h * headDim + j, hi = lo + half
          let c = table.cos[t * half + j], s = table.sin[t * half + j]
          #expect(rotated[lo] == x[lo] * c - x[hi] * s)
          #expect(rotated[hi] == x[hi] * c + x[lo] * s)
        }
      }
    }
    table.applyBackward(&rotated, rows: rows)
    let worst = zip(rotated, x).map { abs($0 - $1) }.max() ?? 0
    #expect(worst < 1e-5)
  }
}
