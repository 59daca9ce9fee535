/// Keeps the backbone of the epoch with the lowest block-0 validation CE (Docs/Design.md §2,
/// "Backbone pretraining"): pretraining measures the validation CE after every epoch, keeps the
/// weights of the best epoch, and stops once `patience` epochs in a row have not improved on it.
///
/// Why: a fixed number of epochs both under- and over-trains. On a sparse dataset the backbone
/// memorizes its training windows — on a sparser copy of Video_Games, 18 epochs drove the
/// training CE to 0.73 and the validation CE up to 5.72, above the 4.39 of 6 epochs
/// (Docs/Results.md, "A regime where adaptation pays") — and the best epoch is the remedy that
/// needs no knowledge of the data. Where the validation CE still falls at the last epoch, the
/// result is exactly the fixed schedule's.
struct BackboneSelection {
  /// Epochs without a new best after which pretraining stops.
  static let patience = 2
  /// At most this many block-0 validation examples (evenly spaced) are scored after each epoch.
  static let maximumExamples = 4096

  /// The validation CE after each epoch so far.
  private(set) var validationCE: [Double] = []
  /// 1-based epoch of the lowest validation CE (0 before the first).
  private(set) var bestEpoch = 0
  /// The weights of `bestEpoch`, kept only while a later epoch is not better.
  private(set) var bestWeights: FloatBuffer?

  /// The examples scored after each epoch: all of them, or `maximumExamples` evenly spaced.
  static func examples(_ valid: [EvaluationExample]) -> [EvaluationExample] {
    guard valid.count > maximumExamples else { return valid }
    return (0..<maximumExamples).map { valid[$0 * valid.count / maximumExamples] }
  }

  /// Records the validation CE of the epoch just finished; `weights` are read only when it is a
  /// new best. Returns true when pretraining should stop.
  mutating func record(_ ce: Double, weights: () -> FloatBuffer) -> Bool {
    validationCE.append(ce)
    let epoch = validationCE.count
    if bestEpoch == 0 || ce < validationCE[bestEpoch - 1] {
      bestEpoch = epoch
      bestWeights = weights()
      return false
    }
    return epoch - bestEpoch >= Self.patience
  }

  /// True when the best epoch is not the last one: the model must be given the best weights back.
  var mustRestore: Bool { bestEpoch > 0 && bestEpoch < validationCE.count }
}
