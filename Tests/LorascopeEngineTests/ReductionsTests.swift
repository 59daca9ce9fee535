import Testing

@testable import LorascopeEngine

/// The eight-lane reductions of the hot loops against plain loops: the maximum exactly, the sums
/// and dot products to float rounding, at every length around the lane width (remainders too).
@Suite("Row reductions in eight lanes")
struct ReductionsTests {
  static func values(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SeededRNG(seed: seed)
    return (0..<count).map { _ in Float(rng.nextNormal() * 3) }
  }

  @Test("maximum, sums and dot products agree with plain loops for lengths 0 to 40 and 1027")
  func agreeWithPlainLoops() {
    for count in Array(0...40) + [1027] {
      let a = Self.values(count, seed: UInt64(count)), b = Self.values(count, seed: UInt64(count) + 100)
      let c = Self.values(count, seed: UInt64(count) + 200)
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          c.withUnsafeBufferPointer { pc in
            // An empty buffer may have no base address; any valid pointer does for count 0.
            let x = pa.baseAddress ?? UnsafePointer(bitPattern: 8)!, y = pb.baseAddress ?? x, z = pc.baseAddress ?? x
            #expect(Reductions.maximum(x, count: count) == (a.max() ?? -.infinity), "count \(count)")
            let plainSum = a.reduce(0.0) { $0 + Double($1) }
            let scale = a.reduce(0.0) { $0 + Double(abs($1)) } + 1
            #expect(abs(Reductions.sumInDouble(x, count: count) - plainSum) <= 1e-12 * scale)
            #expect(abs(Double(Reductions.sum(x, count: count)) - plainSum) <= 1e-5 * scale)
            let plainDot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let dotScale = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) } + 1
            #expect(abs(Double(Reductions.dot(x, y, count: count)) - plainDot) <= 1e-5 * dotScale)
            let plainTriple = (0..<count).reduce(0.0) { $0 + Double(a[$1]) * Double(b[$1]) * Double(c[$1]) }
            let tripleScale = (0..<count).reduce(0.0) { $0 + abs(Double(a[$1] * b[$1] * c[$1])) } + 1
            #expect(abs(Double(Reductions.dot(x, y, z, count: count)) - plainTriple) <= 1e-5 * tripleScale)
          }
        }
      }
    }
  }

  @Test("the maximum finds a single large value in any lane and in the remainder, and −∞ rows stay −∞")
  func maximumPositions() {
    for count in [1, 7, 8, 9, 17, 33] {
      for position in 0..<count {
        var row = [Float](repeating: -5, count: count)
        row[position] = 2.5
        #expect(row.withUnsafeBufferPointer { Reductions.maximum($0.baseAddress!, count: count) } == 2.5)
      }
      let masked = [Float](repeating: -.infinity, count: count)
      #expect(masked.withUnsafeBufferPointer { Reductions.maximum($0.baseAddress!, count: count) } == -.infinity)
    }
  }
}

/// `Parallel.inline` runs the very chunks a parallel split would, one after another on the caller.
@Suite("Parallel chunks inline")
struct ParallelInlineTests {
  @Test("inline gives the same chunk indices and ranges as the parallel split, in order, on the calling thread")
  func sameChunks() {
    for (count, minChunk) in [(1000, 32), (10, 64), (Parallel.workers * 3, 1)] {
      let chunks = Parallel.chunkCount(count, minChunk: minChunk)
      var parallel = [Range<Int>?](repeating: nil, count: chunks)
      parallel.withUnsafeMutableBufferPointer { slots in
        nonisolated(unsafe) let slots = slots
        Parallel.forIndexedChunks(count, minChunk: minChunk) { c, range in slots[c] = range }
      }
      var inline: [(Int, Range<Int>)] = []
      Parallel.inline {
        #expect(Parallel.isInline)
        Parallel.forIndexedChunks(count, minChunk: minChunk) { c, range in inline.append((c, range)) }
      }
      #expect(!Parallel.isInline)
      #expect(inline.map(\.0) == Array(0..<chunks))
      #expect(inline.map(\.1) == parallel.compactMap { $0 })
      #expect(inline.map(\.1.count).reduce(0, +) == count)
    }
  }
}
