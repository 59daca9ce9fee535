/// What stage t ≥ 1 trains with, assembled in one place (Docs/Design.md §2): the model it starts
/// from, the anchor v_{t−1}, the penalty — the method's kind, EWC's Fisher at the end of stage
/// t − 1 and the run's `--penalty-precision` —, the batch plan and the phase's settings.
///
/// The run's stage, a retrain from the anchor (`verify`, the theory check), a λ race (`race`,
/// the screen's `r`) and the spectrum's source all start stage t from here, so none of them can
/// train it differently from the run. (When each built its own, the race lost the run's
/// precision: a bf16 run raced with the exact penalty.)
struct StageSetup {
  let stage: Int
  /// The model stage t starts from: its base (the backbone, merged past adapters for cumulative
  /// methods, the embeddings of stage t − 1 when they train) with the adapter the method starts
  /// from — v_{t−1}, or a new one for a cumulative method without inheritance.
  let model: LlamaModel
  /// v_{t−1}, where the penalty is anchored.
  let anchor: FloatBuffer
  /// The penalty anchored at v_{t−1}; PESO's softmax-KL for methods without one (trained at
  /// λ = 0, shown on the screen).
  let penalty: ProximalPenalty
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
    let base = try baseModel(stage: t, embeddingsOfStage: t - 1)
    let anchor = adapters[t - 1]
    let penalty = try anchoredPenalty(stage: t, base: base)
    if config.method.isCumulative && !config.inherit {
      base.attachLoRA(config.lora, seed: seeds.seed(.adapterInitialization, t))
    } else {
      base.attachLoRA(config.lora, values: anchor.clone())
    }
    var phase = config.adapter
    if config.method == .frozen { phase.epochs = 0 }
    return StageSetup(
      stage: t, model: base, anchor: anchor, penalty: penalty,
      plan: BatchPlan(pairs: trainingPairs(block: t), batchSize: phase.batchSize, seed: stageSeed(t)),
      phase: phase, backbone: config.trainEmbeddings ? .embeddingsAndHead : .frozen)
  }

  /// The penalty of stage t anchored at v_{t−1} with the run's kind and precision; `base` is the
  /// model stage t starts from, without an adapter (EWC's Fisher is measured on it at v_{t−1}).
  private func anchoredPenalty(stage t: Int, base: LlamaModel) throws -> ProximalPenalty {
    let anchor = adapters[t - 1]
    let kind = anchorKind
    var fisher: [Float]? = nil
    if kind == .diagonalFisher {
      let probe = base.copy()
      probe.attachLoRA(config.lora, values: anchor.clone())
      fisher = try fisherDiagonal(stage: t, at: probe)
    }
    return ProximalPenalty(
      kind: kind, layout: LoRALayout(config: config.model, lora: config.lora), anchor: anchor, fisher: fisher,
      precision: config.penaltyPrecision ?? .exact)
  }

  /// The kind of the penalty (and of the spectrum's metric) anchored at v_{t−1}: the method's own,
  /// PESO's softmax-KL for methods without one (trained at λ = 0, shown on the screen).
  var anchorKind: ProximalPenalty.Kind { config.method.penaltyKind ?? .softmaxKL }

  /// EWC's Fisher diagonal for stage t: taken at the end of stage t − 1, on `model` (at v_{t−1})
  /// over the first 512 training sequences of block t − 1 (Docs/Design.md §2).
  func fisherDiagonal(stage t: Int, at model: LlamaModel) throws -> [Float] {
    try DiagonalFisher.estimate(model: model, sequences: Array(trainingPairs(block: t - 1).prefix(512)))
  }
}
