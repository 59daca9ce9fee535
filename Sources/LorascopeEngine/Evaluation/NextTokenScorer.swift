/// Anything that scores the next token of token contexts: the evaluation's only view of a model (Docs/Design.md §5).
///
/// The beam search never touches model code; the decoder (backbone + adapter) conforms to this
/// protocol. A KV cache is not required: every call passes whole contexts.
public protocol NextTokenScorer {
  /// Size of the vocabulary every returned row covers (at least `3 + levels·K`, Docs/Design.md §1).
  var vocabSize: Int { get }

  /// For each context, the log-softmax over the vocabulary at its last position.
  ///
  /// Contexts of one call may have different lengths. The result has one row per context,
  /// each of `vocabSize` log-probabilities.
  func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]]
}
