/// A padded batch of token sequences, row-major [batch, seqLen] (Docs/Design.md §1 vocabulary).
///
/// `targets[b·T + t]` is the token the model should predict at position t (the next token),
/// or -1 where there is no loss (history, padding). Padding sits at the end of a row and is
/// never attended to by real positions (causal attention), so the passes compute only each
/// row's first `lengths[b]` positions (`PackedRows`).
public struct TokenBatch: Sendable, Equatable {
  public let batch: Int
  public let seqLen: Int
  public var tokens: [Int32]
  public var targets: [Int32]
  /// The real positions of each row: row b's padding starts at `lengths[b]` (no target there).
  public let lengths: [Int]

  /// Rows of `seqLen` real positions each (no padding).
  public init(batch: Int, seqLen: Int, tokens: [Int32], targets: [Int32]) {
    self.init(batch: batch, seqLen: seqLen, tokens: tokens, targets: targets,
              lengths: [Int](repeating: seqLen, count: batch))
  }

  private init(batch: Int, seqLen: Int, tokens: [Int32], targets: [Int32], lengths: [Int]) {
    precondition(tokens.count == batch * seqLen && targets.count == batch * seqLen && lengths.count == batch)
    self.batch = batch
    self.seqLen = seqLen
    self.tokens = tokens
    self.targets = targets
    self.lengths = lengths
  }

  /// Packs rows of (inputs, targets) of possibly different lengths, padding with PAD = 0 and -1.
  public init(rows: [TrainingPair]) {
    let t = rows.map(\.inputs.count).max() ?? 0
    var tokens = [Int32](repeating: 0, count: rows.count * t)
    var targets = [Int32](repeating: -1, count: rows.count * t)
    for (b, row) in rows.enumerated() {
      precondition(row.inputs.count == row.targets.count)
      for i in 0..<row.inputs.count {
        tokens[b * t + i] = row.inputs[i]
        targets[b * t + i] = row.targets[i]
      }
    }
    self.init(batch: rows.count, seqLen: t, tokens: tokens, targets: targets, lengths: rows.map(\.inputs.count))
  }

  /// Flat row indices (b·T + t) that carry a target.
  public var targetRows: [Int32] {
    var rows: [Int32] = []
    for (i, y) in targets.enumerated() where y >= 0 { rows.append(Int32(i)) }
    return rows
  }
}
