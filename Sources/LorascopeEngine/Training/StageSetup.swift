/// What stage t ≥ 1 trains with, assembled in one place (Docs/Design.md §2) from the method's
/// definition (`ContinualMethodDefinition`): the model it starts from, the anchor v_{t−1}, the
/// method's penalty (with the run's `--penalty-precision`) and the spectrum's metric, the batch
/// plan and the phase's settings.
///
/// The run's stage, a retrain from the anchor (`verify`, the theory check), a λ race (`race`,
/// the screen's `r`), `predict` and the spectrum's source all start stage t from here, so none
/// of them can train it differently from the run. (When each built its own, the race lost the
/// run's precision: a bf16 run raced with the exact penalty.)
struct StageSetup {
  let stage: Int
  /// The model stage t starts from: its base (the backbone, merged past adapters for methods
  /// that keep them frozen, the embeddings of stage t − 1 when they train) with the adapter the
  /// method starts from — v_{t−1}, or a new one.
  let model: LlamaModel
  /// v_{t−1}, where the penalty is anchored.
  let anchor: FloatBuffer
  /// The method's penalty anchored at v_{t−1}; PESO's softmax-KL for methods without one
  /// (trained at λ = 0, shown on the screen).
  let penalty: any AdapterPenalty
  /// The metric at v_{t−1} of the spectrum and of a race's H-norm.
  let metric: any AnchorMetric
  let plan: BatchPlan
  let phase: PhaseConfig
  let backbone: BackboneTraining

  /// A trainer of this stage on `model` (the setup's own, or a copy of it for another lane).
  func trainer(on model: LlamaModel) -> PhaseTrainer {
    PhaseTrainer(stage: stage, phase: .adapter, model: model, plan: plan, config: phase, backbone: backbone, penalty: penalty)
  }
}

extension ContinualSession {
  /// Stage t's setup (t ≥ 1, stage t − 1 finished).
  func stageSetup(_ t: Int) throws -> StageSetup {
    guard t >= 1, t <= adapters.count, t < dataset.numBlocks else {
      throw LorascopeError.usage("stage \(t) cannot start: finished stages are 0..<\(adapters.count) of \(dataset.numBlocks)")
    }
    let method = config.method.definition
    let base = try baseModel(stage: t, embeddingsOfStage: t - 1)
    let anchor = adapters[t - 1]
    let terms = try anchoredTerms(stage: t) {
      let probe = base.copy()
      probe.attachLoRA(self.config.lora, values: anchor.clone())
      return probe
    }
    if method.startsFromAnchor(config) {
      base.attachLoRA(config.lora, values: anchor.clone())
    } else {
      base.attachLoRA(config.lora, seed: seeds.seed(.adapterInitialization, t))
    }
    var phase = config.adapter
    if !method.trainsAfterBlockZero { phase.epochs = 0 }
    return StageSetup(
      stage: t, model: base, anchor: anchor, penalty: terms.penalty, metric: terms.metric,
      plan: BatchPlan(pairs: trainingPairs(block: t), batchSize: phase.batchSize, seed: stageSeed(t)),
      phase: phase, backbone: config.trainEmbeddings ? .embeddingsAndHead : .frozen)
  }

  /// The method's penalty and metric of stage t anchored at v_{t−1}; `modelAtAnchor` gives the
  /// model at v_{t−1} on stage t's base, built only when the method needs it (EWC's Fisher).
  func anchoredTerms(stage t: Int, modelAtAnchor: @escaping () throws -> LlamaModel) throws -> AnchoredTerms {
    try config.method.definition.anchoredTerms(MethodStage(stage: t, session: self, modelAtAnchor: modelAtAnchor))
  }

  /// EWC's Fisher diagonal for stage t: taken at the end of stage t − 1, on `model` (at v_{t−1})
  /// over the first 512 training sequences of block t − 1 (Docs/Design.md §2).
  func fisherDiagonal(stage t: Int, at model: LlamaModel) throws -> [Float] {
    try DiagonalFisher.estimate(model: model, sequences: Array(trainingPairs(block: t - 1).prefix(512)))
  }
}
