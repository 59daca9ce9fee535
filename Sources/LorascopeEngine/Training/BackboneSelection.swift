/// Guards backbone pretraining against overfitting (Docs/Design.md §2, "Backbone pretraining"):
/// it measures the block-0 validation CE after every epoch, remembers the best epoch's weights,
/// stops once `patience` epochs in a row score more than `tolerance` above the best, and then
/// (and whenever the last epoch ends that far above the best) gives the model the best epoch's
/// weights back. Otherwise the last epoch is kept, exactly the fixed schedule's result.
///
/// Why: a fixed number of epochs over-trains a sparse dataset. On a sparser copy of Video_Games,
/// 18 epochs drove the training CE to 0.73 and the validation CE up to 5.72, above the 4.39 of 6
/// epochs (Docs/Results.md, "A regime where adaptation pays"). The tolerance keeps the rule from
/// acting on noise: on Video_Games the last of 6 epochs scores 3.0374 against 3.0338 one epoch
/// earlier (0.1 %), and the schedule's own end is kept.
struct BackboneSelection {
  /// Epochs in a row above the tolerance after which pretraining stops.
  static let patience = 2
  /// Relative margin above the best validation CE that counts as worse.
  static let tolerance = 0.01
  /// At most this many block-0 validation examples (evenly spaced) are scored after each epoch.
  static let maximumExamples = 4096

  /// The validation CE after each epoch so far.
  private(set) var validationCE: [Double] = []
  /// 1-based epoch of the lowest validation CE (0 before the first).
  private(set) var bestEpoch = 0
  /// The weights of `bestEpoch`.
  private(set) var bestWeights: FloatBuffer?

  /// The examples scored after each epoch: all of them, or `maximumExamples` evenly spaced.
  static func examples(_ valid: [EvaluationExample]) -> [EvaluationExample] {
    valid.evenlySpaced(atMost: maximumExamples)
  }

  private var bestCE: Double { bestEpoch == 0 ? .infinity : validationCE[bestEpoch - 1] }
  private func isWorse(_ ce: Double) -> Bool { ce > bestCE * (1 + Self.tolerance) }

  /// Records the validation CE of the epoch just finished; `weights` are read only when it is a
  /// new best. Returns true when pretraining should stop.
  mutating func record(_ ce: Double, weights: () -> FloatBuffer) -> Bool {
    let improved = ce < bestCE
    validationCE.append(ce)
    if improved {
      bestEpoch = validationCE.count
      bestWeights = weights()
      return false
    }
    let recent = validationCE.suffix(Self.patience)
    return recent.count == Self.patience && recent.allSatisfy(isWorse)
  }

  /// The last epoch scored clearly worse than the best: the model must be given the best weights back.
  var mustRestore: Bool { bestEpoch > 0 && bestEpoch < validationCE.count && isWorse(validationCE[validationCE.count - 1]) }
}
