/// Where each sequence of a batch sits among the rows a pass computes (Docs/Design.md §1,
/// "Packed rows"): sequence b's real positions 0..<lengths[b] are rows
/// starts[b] ..< starts[b] + lengths[b], back to back, and its padding is not computed at all.
///
/// That is exact: padding sits after a sequence's last real position, causal attention never
/// lets a real position see it, and it carries no target, so no loss, gradient or output row
/// depends on it. Training batches pad every history to the longest of the batch; `BatchPlan`
/// keeps similar lengths together, so on Video_Games 8–12 % of the padded rows are padding.
struct PackedRows: Equatable {
  /// The padded length T of the batch (flat indices b·T + t address its positions).
  let seqLen: Int
  let heads: Int
  let lengths: [Int]
  /// Row of position 0 of each sequence.
  let starts: [Int]
  /// Offset of each sequence's attention probabilities, [heads, len, len] per sequence.
  let probStarts: [Int]
  /// Position within its sequence of every row (the rotary angle's index).
  let positions: [Int32]
  /// Flat index b·T + t of every row in the padded batch.
  let flat: [Int32]
  /// Rows computed, Σ lengths.
  let count: Int
  /// Attention probabilities stored, heads · Σ len².
  let probCount: Int

  init(lengths: [Int], seqLen: Int, heads: Int) {
    precondition(lengths.allSatisfy { $0 >= 0 && $0 <= seqLen }, "a row length outside 0…\(seqLen)")
    self.seqLen = seqLen
    self.heads = heads
    self.lengths = lengths
    var starts: [Int] = [], probStarts: [Int] = [], positions: [Int32] = [], flat: [Int32] = []
    var row = 0, prob = 0
    for (b, n) in lengths.enumerated() {
      starts.append(row)
      probStarts.append(prob)
      positions.append(contentsOf: (0..<n).map { Int32($0) })
      flat.append(contentsOf: (0..<n).map { Int32(b * seqLen + $0) })
      row += n
      prob += heads * n * n
    }
    self.starts = starts
    self.probStarts = probStarts
    self.positions = positions
    self.flat = flat
    count = row
    probCount = prob
  }

  /// The batch's real positions packed, or (`packed: false`) every padded position computed
  /// as a real one, for callers that read rows in the padding (`LlamaModel.logits`).
  init(_ batch: TokenBatch, heads: Int, packed: Bool = true) {
    self.init(
      lengths: packed ? batch.lengths : [Int](repeating: batch.seqLen, count: batch.batch),
      seqLen: batch.seqLen, heads: heads)
  }

  var batch: Int { lengths.count }

  /// The row of flat position b·T + t, or nil when it is padding.
  func row(ofFlat i: Int) -> Int? {
    let b = i / seqLen, t = i % seqLen
    return t < lengths[b] ? starts[b] + t : nil
  }

  /// The packed rows of flat positions that must be real (output and target rows).
  func rows(ofFlat flat: [Int32]) -> [Int32] {
    flat.map { i in
      guard let row = row(ofFlat: Int(i)) else {
        preconditionFailure("position \(i) of a batch of \(batch) × \(seqLen) is padding")
      }
      return Int32(row)
    }
  }

  /// The cost of each (sequence, head) pair of attention, in order b·heads + h: len² entries.
  var attentionPairCosts: [Int] {
    lengths.flatMap { n in [Int](repeating: n * n, count: heads) }
  }
}
