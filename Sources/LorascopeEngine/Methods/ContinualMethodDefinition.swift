/// What one continual method does (Docs/Design.md §2): the one place its behaviour lives.
/// `StageSetup` is built from it, so the run, a retrain (`verify`, the theory check), a λ race,
/// the spectrum's source and `predict` treat every method alike, and a new method is one file
/// with a type conforming to this protocol plus its row in `ContinualMethod.table`
/// (Docs/Architecture.md, "Adding a method").
///
/// A stage t ≥ 1 of a method is: a base model (the backbone, with `frozenPastStages` merged in),
/// a trainable adapter (from v_{t−1} or fresh), the loss CE + λ_eff Σ_g P_g with the method's
/// penalty P anchored at v_{t−1}, and optionally a hook on every optimizer step whose result
/// becomes state kept in the run directory for the later stages.
protocol ContinualMethodDefinition: Sendable {
  /// The command-line name (`--method`), also written to config.json and metrics.json.
  var name: String { get }
  /// One line for `--help`, the screen and the reports.
  var summary: String { get }
  /// Whether λ weighs the penalty. A method without one trains at λ = 0 and its penalty (PESO's
  /// softmax-KL by default) is only shown.
  var usesLambda: Bool { get }
  /// Whether stages t ≥ 1 train at all (`frozen` does not: it keeps stage 0's state).
  var trainsAfterBlockZero: Bool { get }
  /// Whether the method keeps state gathered while training (`trainingObserver`); such a run
  /// trains its own stage 0 rather than take a cached one, whose steps it did not see.
  var keepsStateFromTraining: Bool { get }
  /// The finished stages whose adapters are merged, frozen, into the base of stage t (empty for
  /// a method with one evolving adapter).
  func frozenPastStages(before t: Int) -> Range<Int>
  /// Whether the merged past adapters are each divided by their Frobenius norm first.
  func normalizesPastAdapters(_ config: RunConfig) -> Bool
  /// Whether stage t's trainable adapter starts from v_{t−1} (otherwise from a fresh
  /// initialization with the stage's seed).
  func startsFromAnchor(_ config: RunConfig) -> Bool
  /// Stage t's penalty and the spectrum's metric, both anchored at v_{t−1}.
  func anchoredTerms(_ stage: MethodStage) throws -> AnchoredTerms
  /// A hook on every optimizer step of the run's own training of stage t (stage 0's warm start
  /// included); nil for none. Retrains and races never get one.
  func trainingObserver(_ stage: MethodStage) throws -> (any TrainingStepObserver)?
  /// The state to keep after finished stage t, from that stage's observer (nil: none). It is
  /// written to the stage's directory and read back by `MethodStage.state(afterStage:)`.
  func stateAfterStage(_ stage: MethodStage, observer: (any TrainingStepObserver)?) throws -> MethodState?
}

extension ContinualMethodDefinition {
  var trainsAfterBlockZero: Bool { true }
  var keepsStateFromTraining: Bool { false }
  func frozenPastStages(before t: Int) -> Range<Int> { t..<t }
  func normalizesPastAdapters(_ config: RunConfig) -> Bool { config.normalizePastAdapters }
  func startsFromAnchor(_ config: RunConfig) -> Bool { true }
  func trainingObserver(_ stage: MethodStage) throws -> (any TrainingStepObserver)? { nil }
  func stateAfterStage(_ stage: MethodStage, observer: (any TrainingStepObserver)?) throws -> MethodState? { nil }

  /// For a method without a penalty of its own: PESO's softmax-KL with the run's precision,
  /// trained at λ = 0 and shown on the screen; its metric is the spectrum's.
  func anchoredTerms(_ stage: MethodStage) throws -> AnchoredTerms {
    AnchoredTerms(proximal: stage.proximalPenalty(kind: .softmaxKL))
  }

  /// Whether a stage can be forked from the one adapter v_{t−1} (retrain, race, the λ curve):
  /// the stage trains one evolving adapter with nothing merged into its base.
  var forksOneAdapter: Bool { trainsAfterBlockZero && frozenPastStages(before: 1).isEmpty }
}

/// A stage's penalty and the metric the spectrum measures it with, anchored at v_{t−1}.
struct AnchoredTerms {
  let penalty: any AdapterPenalty
  let metric: any AnchorMetric

  init(penalty: any AdapterPenalty, metric: any AnchorMetric) {
    self.penalty = penalty
    self.metric = metric
  }

  /// A penalty that is its own metric (PESO, L2, EWC).
  init(proximal: ProximalPenalty) {
    self.init(penalty: proximal, metric: proximal)
  }
}

/// What a method definition may read about stage t of a session (Docs/Design.md §2). Stage 0,
/// the warm start, has no anchor: only `trainingObserver` and `stateAfterStage` see it.
struct MethodStage {
  let stage: Int
  let session: ContinualSession
  /// The model at v_{t−1} on stage t's base (built only when asked for: EWC's Fisher needs it).
  let modelAtAnchor: () throws -> LlamaModel

  var config: RunConfig { session.config }
  var layout: LoRALayout { LoRALayout(config: config.model, lora: config.lora) }
  /// v_{t−1}.
  var anchor: FloatBuffer { session.adapters[stage - 1] }
  /// The adapters of finished stages 0…t − 1.
  var pastAdapters: ArraySlice<FloatBuffer> { session.adapters[0..<stage] }

  /// The penalty of `kind` anchored at v_{t−1} with the run's `--penalty-precision`.
  func proximalPenalty(kind: ProximalPenalty.Kind, diagonal: [Float]? = nil) -> ProximalPenalty {
    ProximalPenalty(
      kind: kind, layout: layout, anchor: anchor, fisher: diagonal, precision: config.penaltyPrecision ?? .exact)
  }

  /// The method's state kept after finished stage s (memory, else the run directory).
  func state(afterStage s: Int) throws -> MethodState? { try session.methodState(afterStage: s) }
}

/// Sees every optimizer step of the run's own training of a stage (Docs/Design.md §2): the
/// adapter and the loss's gradient before the step, the adapter after it.
protocol TrainingStepObserver: AnyObject {
  /// Before the step: the adapter θ and ∇CE (the data loss's gradient, without the penalty's).
  func willStep(adapter: FloatBuffer, lossGradient: FloatBuffer)
  /// After the step: the adapter θ + Δθ.
  func didStep(adapter: FloatBuffer)
}
