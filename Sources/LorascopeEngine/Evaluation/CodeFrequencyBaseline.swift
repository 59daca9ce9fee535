import Foundation

/// The validation CE of a model that knows only how often each code appears at each level of the
/// block's training targets (Docs/Math.md §43): the floor a trained model must clearly beat. A
/// model whose validation CE is near it has learned the codes' frequencies and nothing of the
/// sequences — the backbone was too short-trained for this data.
enum CodeFrequencyBaseline {
  /// A validation CE above this fraction of the baseline's means the model learned little. Not
  /// lower: on the synthetic data a well-trained backbone ends at 0.90 of it (1.223 against
  /// 1.357), because its few codes are skewed enough to make the baseline strong.
  public static let learnedLittleRatio = 0.97

  /// Mean over validation target tokens of −log p_ℓ(c), p_ℓ the add-one-smoothed frequency of
  /// code c at level ℓ among the training targets of `train`.
  public static func crossEntropy(train: [TrainingSequence], valid: [EvaluationExample], items: ItemIndex) -> Double {
    let k = items.codebookSize
    var counts = [[Double]](repeating: [Double](repeating: 1, count: k), count: items.levels)
    for sequence in train {
      for item in sequence.items[sequence.firstTarget...] {
        for (level, code) in items.codes[item].enumerated() { counts[level][code] += 1 }
      }
    }
    let totals = counts.map { $0.reduce(0, +) }
    var sum = 0.0
    var tokens = 0
    for example in valid {
      for (level, code) in items.codes[example.target].enumerated() {
        sum -= log(counts[level][code] / totals[level])
        tokens += 1
      }
    }
    return tokens == 0 ? 0 : sum / Double(tokens)
  }
}
