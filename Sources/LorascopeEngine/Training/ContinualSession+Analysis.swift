import Foundation

/// What the spectrum and the theory check need from a run: the anchor state of a stage, its
/// probe set, its metric, and the stage retrained from the anchor with another λ.
extension ContinualSession {
  /// The spectrum's source for stage t ≥ 1 (Docs/Design.md §3): the model at v_{t−1} (where the
  /// quadratic model is taken, and Σ is measured), the anchor v_{t−1}, the metric of the run's
  /// method (`ContinualMethodDefinition.anchoredTerms`: PESO's for methods without one), and a
  /// seeded probe of `probeSize` sequences of block t. Feed it to `SpectrumPipeline`.
  public func spectrumSource(stage t: Int, probeSize: Int, seed: UInt64 = 0) throws -> SpectrumSource {
    guard t >= 1, t < dataset.numBlocks else {
      throw LorascopeError.usage("the spectrum needs a stage 1…\(dataset.numBlocks - 1) (stage 0 has no anchor)")
    }
    let m = try model(afterStage: t - 1)
    guard let adapter = m.lora else { throw LorascopeError.usage("stage \(t - 1) has no adapter") }
    let terms = try anchoredTerms(stage: t) { m }
    return try SpectrumSource(
      stage: t, model: m, anchor: adapter.clone(), metric: terms.metric, penalty: terms.penalty,
      probe: probe(block: t, size: probeSize, seed: seed), seed: seed)
  }

  /// For finished stage t ≥ 1, per module: the softmax-KL of v_t against v_{t−1} exact and in
  /// the released code's bf16 arithmetic, and the cosine between the two gradients.
  public func penaltyPrecisionComparison(stage t: Int) throws -> [PenaltyPrecisionComparison] {
    guard t >= 1, t < adapters.count else {
      throw LorascopeError.usage("the penalty comparison needs a finished stage 1…\(max(adapters.count - 1, 1)) (stage 0 has no anchor)")
    }
    let layout = LoRALayout(config: config.model, lora: config.lora)
    let penalty = ProximalPenalty(kind: .softmaxKL, layout: layout, anchor: adapters[t - 1])
    return try penalty.precisionComparison(at: adapters[t])
  }

  /// For finished stage t ≥ 1 at λ: ‖λ_eff ∇P‖/‖∇CE‖ over the adapter v_t (∇CE on a seeded
  /// probe of block t, P anchored at v_{t−1} with the method's kind, PESO's for methods without
  /// one) and the penalty λ_eff·Σ_g P_g in nats (Docs/Math.md §42).
  public func penaltyInertness(stage t: Int, lambda: Double, probeSize: Int, seed: UInt64 = 0) throws
    -> (ratio: Double?, nats: Double)
  {
    let source = try spectrumSource(stage: t, probeSize: probeSize, seed: seed)
    let model = try model(afterStage: t)
    let penalty = source.penalty
    return try PenaltyInertness.measure(
      model: model, sequences: source.probe, penalty: penalty, strength: try penalty.strength(lambda: lambda))
  }

  /// A seeded sample of `size` training sequences of block b.
  public func probe(block b: Int, size: Int, seed: UInt64 = 0) -> [TrainingPair] {
    let pairs = trainingPairs(block: b)
    var rng = SeedStream(root: seed).generator(.probe, b)
    var idx = Array(pairs.indices)
    idx.shuffle(using: &rng)
    return idx.prefix(size).sorted().map { pairs[$0] }
  }

  /// Retrains stage t from v_{t−1} with penalty weight `lambda` exactly as the run trained it
  /// (`StageSetup`: the same data order, steps, penalty kind and precision); returns the adapter at
  /// the end. Only for single-adapter methods (`ContinualMethodDefinition.forksOneAdapter`).
  public func retrainStage(_ t: Int, lambda: Double) throws -> FloatBuffer {
    try requireSingleAdapter(for: "retraining from the anchor")
    try ProximalStrength.validate(lambda: lambda)
    let setup = try stageSetup(t)
    let trainer = setup.trainer(on: setup.model)
    while !trainer.isFinished { _ = try trainer.step(lambda: lambda) }
    guard let adapter = setup.model.lora else { throw LorascopeError.usage("stage \(t) has no adapter") }
    return adapter
  }

  /// Retraining and racing fork the one adapter of stage t − 1: cumulative methods have no single
  /// adapter to fork, and `frozen` never trains.
  func requireSingleAdapter(for purpose: String) throws {
    guard config.method.definition.forksOneAdapter else {
      let forkable = ContinualMethod.table.filter(\.forksOneAdapter).map(\.name)
      throw LorascopeError.usage(
        "\(purpose) forks one adapter; \(config.method.rawValue) has none to fork (use "
          + "\(forkable.dropLast().joined(separator: ", ")) or \(forkable.last ?? "peso"))")
    }
  }

  /// The seed of stage t's batch order (shared by the run and by retraining).
  func stageSeed(_ t: Int) -> UInt64 { seeds.seed(.stageBatchOrder, t) }
}

extension ContinualSession {
  /// Writes finished stage t as `dir/backbone` (a `LlamaForCausalLM` directory: the pretrained
  /// backbone, with merged frozen past adapters for cumulative methods and the stage's
  /// embeddings when they train) and `dir/adapter` (a PEFT directory whose
  /// `base_model_name_or_path` is `dir/backbone`). Loading both reproduces the stage's logits.
  ///
  /// - Parameter finalDirectory: where `dir` will end up when it is built in a temporary place
  ///   (`base_model_name_or_path` names the backbone there); nil when `dir` is final.
  public func exportStage(_ t: Int, to dir: URL, finalDirectory: URL? = nil) throws {
    let model = try model(afterStage: t)
    guard let adapter = model.lora, let layout = model.loraLayout else {
      throw LorascopeError.usage("stage \(t) has no adapter to export")
    }
    model.detachLoRA()
    let backbone = dir.appendingPathComponent("backbone")
    try ModelCheckpoint.writeBackbone(model, to: backbone)
    try ModelCheckpoint.writeAdapter(
      layout: layout, values: adapter, baseModelPath: (finalDirectory ?? dir).appendingPathComponent("backbone").path,
      to: dir.appendingPathComponent("adapter"))
  }

  /// `lorascope export`: the whole directory OUT — stage t's backbone and adapter
  /// (`exportStage`) and the guide (tokenizer files, item index, manifest, README) — built in a
  /// temporary sibling and renamed into place, so a kill or a full disk leaves the previous OUT
  /// (or none), never a half-written one. An existing OUT (a directory, a file, a symbolic link)
  /// is refused unless `overwrite`, which replaces it as a whole: nothing of the old OUT is kept,
  /// and a symbolic link is replaced, never followed into its target.
  @discardableResult
  public func exportStageDirectory(_ t: Int, to out: URL, overwrite: Bool) throws -> ExportedStageGuide.Manifest {
    var status = stat()
    if lstat(out.path, &status) == 0, !overwrite {
      throw LorascopeError.usage("\(out.path) already exists; pass --overwrite to replace it")
    }
    var manifest: ExportedStageGuide.Manifest?
    try AtomicFile.replaceDirectory(at: out) { staging in
      try exportStage(t, to: staging, finalDirectory: out)
      manifest = try ExportedStageGuide.write(config: config, dataset: dataset, stage: t, to: staging)
    }
    guard let manifest else { throw LorascopeError.io("cannot write \(out.path): the export produced no manifest") }
    return manifest
  }
}
