/// The token layout of sequences over semantic-ID tokens (Docs/Design.md §1).
///
/// A sequence of items is `BOS, tokens(item_0), tokens(item_1), …`, each item being its
/// `levels` code tokens (4 in the released data). For next-token training the model reads
/// `inputs = tokens[0..<n-1]` and is scored against `targets[t] = tokens[t+1]`, or −1 where
/// no loss is taken (history items): the model at the position of a token predicts the next
/// one, so the first code of a target item is predicted at the last token of the item before
/// it (or at BOS).
public enum TokenSequence {
  /// Padding; never a target.
  public static let pad: Int32 = 0
  /// Beginning of sequence: the first token of every sequence.
  public static let bos: Int32 = 1
  /// End of sequence (reserved; lorascope sequences end with the target item).
  public static let eos: Int32 = 2
  /// The first code token: token = firstCodeToken + level·K + code.
  public static let firstCodeToken: Int32 = 3
  /// The target value of a position that carries no loss (what `TokenBatch` expects).
  public static let ignoredTarget: Int32 = -1

  /// BOS followed by each item's code tokens: 1 + levels·items.count tokens.
  public static func encode(items: [Int], itemIndex: ItemIndex) -> [Int32] {
    var tokens: [Int32] = [bos]
    tokens.reserveCapacity(1 + items.count * itemIndex.levels)
    for item in items { tokens.append(contentsOf: itemIndex.tokens(ofItem: item)) }
    return tokens
  }

  /// Inputs and next-token targets of a packed training window (Docs/Design.md §4).
  ///
  /// With `tokens = encode(sequence.items)` of length n: `inputs = tokens[0..<n-1]` and
  /// `targets[t] = tokens[t+1]` when token t+1 is a code of a target item
  /// (item position j = t / levels ≥ `sequence.firstTarget`), else −1. The result has the
  /// shape `TokenBatch(rows:)` takes.
  public static func trainingPair(
    for sequence: TrainingSequence, itemIndex: ItemIndex
  ) -> TrainingPair {
    let tokens = encode(items: sequence.items, itemIndex: itemIndex)
    let levels = itemIndex.levels
    let firstTarget = max(sequence.firstTarget, 1)
    let inputs = Array(tokens.dropLast())
    var targets = [Int32](repeating: ignoredTarget, count: inputs.count)
    for t in 0..<inputs.count where t / levels >= firstTarget {
      targets[t] = tokens[t + 1]
    }
    return TrainingPair(inputs: inputs, targets: targets)
  }

  /// The input of an evaluation example: BOS and the history's tokens. The model then
  /// generates the target's `levels` code tokens (constrained beam search, Docs/Design.md §5).
  public static func prompt(for example: EvaluationExample, itemIndex: ItemIndex) -> [Int32] {
    encode(items: example.history, itemIndex: itemIndex)
  }
}

/// One training row for next-token prediction: the input tokens and, per position, the target
/// token or `TokenSequence.ignoredTarget` (−1) where no loss is taken (Docs/Design.md §4).
/// `inputs.count == targets.count`.
public struct TrainingPair: Sendable, Equatable {
  public var inputs: [Int32]
  public var targets: [Int32]

  public init(inputs: [Int32], targets: [Int32]) {
    self.inputs = inputs
    self.targets = targets
  }
}
