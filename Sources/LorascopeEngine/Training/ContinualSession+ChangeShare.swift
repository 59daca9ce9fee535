extension ContinualSession {
  /// Stage t's CE change split between its LoRA update and its embedding/lm_head update
  /// (Docs/Math.md §48): validation CE on blocks < t and on block t under the four mixes of the
  /// stage's start (embeddings/lm_head of stage t − 1, `start` the adapter it started from) and its
  /// end (`finished`, whose CE on block t is `newCE`). Nil when the recipe trains no embeddings,
  /// at stage 0 (nothing before it), or for a method whose stages do not train.
  func measureChangeShare(stage t: Int, finished: LlamaModel, start: FloatBuffer?, newCE: Double) throws
    -> ChangeShare?
  {
    guard config.trainEmbeddings, t >= 1, config.method.definition.trainsAfterBlockZero, let start,
      let trained = finished.lora
    else { return nil }
    let oldExamples = (0..<t).flatMap { splits[$0].valid }.evenlySpaced(atMost: Self.changeShareOldUsers)
    let newExamples = splits[t].valid
    // The base is the one stage t trained on (merged past adapters included); only the
    // embeddings/lm_head (stage t − 1's or t's) and the adapter (start or v_t) change.
    func mix(embeddingsOfStage e: Int, adapter: FloatBuffer) throws -> LlamaModel {
      let m = try baseModel(stage: t, embeddingsOfStage: e)
      m.attachLoRA(config.lora, values: adapter.clone())
      return m
    }
    let neither = try mix(embeddingsOfStage: t - 1, adapter: start)
    let loraOnly = try mix(embeddingsOfStage: t - 1, adapter: trained)
    let embeddingsOnly = try mix(embeddingsOfStage: t, adapter: start)
    func ce(_ m: LlamaModel, _ examples: [EvaluationExample]) throws -> Double {
      try evaluator.validationCrossEntropy(model: m, examples: examples)
    }
    return ChangeShare(
      old: .init(
        start: try ce(neither, oldExamples), lora: try ce(loraOnly, oldExamples),
        embeddings: try ce(embeddingsOnly, oldExamples), both: try ce(finished, oldExamples)),
      new: .init(
        start: try ce(neither, newExamples), lora: try ce(loraOnly, newExamples),
        embeddings: try ce(embeddingsOnly, newExamples), both: newCE))
  }

  /// The pooled validation users of blocks < t the change share reads at most (Docs/Math.md §48):
  /// Video_Games' block 0 alone has 12,447, and four passes over all of them cost more than the
  /// stage's training.
  static let changeShareOldUsers = 2000
}
