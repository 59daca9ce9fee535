import LorascopeEngine

/// Everything the screen shows about a run, as one value the engine thread
/// publishes and the UI thread copies (Docs/Design.md §B.4 "threads": the engine
/// publishes a snapshot, the UI owns curses). It holds no reference into the
/// engine, so drawing it can never race with training.
public struct DashboardSnapshot: Sendable {
  /// What does not change while the run goes on.
  public var run: RunSummary
  /// The phase being trained, `nil` between phases and after the last stage.
  public var phase: PhaseProgress?
  /// The stage the session is on (== `run.blocks` when the run is finished).
  public var stage: Int
  /// Optimizer steps per second over the last second or so; `nil` when idle.
  public var stepsPerSecond: Double?
  /// λ (with |L|) the engine uses from its next step on, as the session reports it; the
  /// screen shows its own optimistic copy (`DashboardState.lambda`) and falls back to this.
  public var strength: ProximalStrength
  /// Backbone pretraining loss (stage 0, no penalty).
  public var backboneLoss: LossHistory
  /// The adapter phases' losses, every stage one after the other.
  public var adapterLoss: LossHistory
  /// P_g of every module at the last step, in `run.modules` order (empty before stage 1).
  public var modulePenalty: [Double]
  /// ‖λ_eff ∇P‖/‖∇CE‖ over the recent steps of the adapter phase (the engine's
  /// `InertnessMonitor`: median, and whether it stayed below 1e-3).
  public var inertness: InertnessMonitor
  /// The metrics of every finished stage (Docs/Design.md §5).
  public var stages: [StageMetrics]
  /// R[t][j] of NDCG@5: after stage t, on the test users of block j.
  public var matrix: [[Double?]]
  /// The spectrum panel: the last result and what the worker is doing.
  public var spectrum: SpectrumPanelState
  /// What the engine is doing.
  public var activity: EngineActivity
  /// The last thing that happened worth a line ("λ 2 → 5 from step 36").
  public var status: String
  /// The engine's last error, shown until the user dismisses it (never swallowed).
  public var error: EngineFailure?
  /// The last demo cue the engine stopped at, with a serial that grows by one per stop.
  public var cue: CueStop?
  /// The λ race (`r`): lanes, curves, and at the end the paired intervals.
  public var race: RacePanelState
  /// The predicted-vs-realized check (`v`) of the last finished stage.
  public var theory: TheoryPanelState
  /// The bf16 vs exact penalty per module of the last finished stage ≥ 1.
  public var precision: PenaltyPrecisionPanel?
  /// The finished stage the loss, penalty and spectrum panels show (`g`), or nil while they
  /// follow a live run (issue 28 item 1). Set, the losses and `modulePenalty` are that stage's
  /// as log.jsonl recorded them.
  public var shownStage: Int?
  /// Every λ the run trained with (RunMetrics.lambdaHistory): the metrics table's λ column.
  public var lambdaHistory: [LambdaSetting]
  /// The run directory is open read-only (a finished run, or `--review`): nothing trains and
  /// nothing is written.
  public var readOnly: Bool
  /// The last predicted λ curve (`w`, `W`) and a count of curves made, so the screen can tell a
  /// new one from the one it already used.
  public var lambdaCurve: LambdaCurve?
  public var lambdaCurveSerial = 0
  /// The stage a λ curve is made for now (the stage in training, or the last one of a finished
  /// run), nil at stage 0, which has no anchor.
  public var curveStage: Int?

  /// The last λ curve if it belongs to the stage λ acts on now (a curve of an earlier stage
  /// predicts nothing about this one): what `w`, `W`, the race plan and the panel use.
  public var currentLambdaCurve: LambdaCurve? {
    guard let curve = lambdaCurve, curve.stage == curveStage else { return nil }
    return curve
  }

  public init(run: RunSummary, strength: ProximalStrength) {
    self.run = run
    phase = nil
    stage = 0
    stepsPerSecond = nil
    self.strength = strength
    backboneLoss = LossHistory()
    adapterLoss = LossHistory()
    modulePenalty = []
    inertness = InertnessMonitor()
    stages = []
    matrix = []
    spectrum = SpectrumPanelState()
    activity = .paused
    status = ""
    error = nil
    cue = nil
    race = RacePanelState()
    theory = TheoryPanelState()
    precision = nil
    shownStage = nil
    lambdaHistory = []
    readOnly = false
  }
}

/// The fixed facts of a run: where the data comes from, the method, the model.
public struct RunSummary: Sendable, Equatable {
  /// The dataset's name ("synthetic", or a PESO directory's prefix).
  public var dataName: String
  public var blocks: Int
  public var method: ContinualMethod
  /// |L|, the adapted linear layers: λ_eff = λ/|L| (Docs/Design.md §2).
  public var adaptedLinears: Int
  /// Every module g (each A and each B), in `LoRALayout.modules` order.
  public var modules: [ModuleInfo]
  /// The OpenBLAS kernel ("Haswell").
  public var kernel: String
  /// "4 layers · d 128 · LoRA r 8 α 16".
  public var modelText: String
  /// The run directory, when there is one (λ changes are logged there).
  public var runDirectory: String?
  /// What `lorascope data check` prints for the run's data — per-block counts, the code health
  /// card and the drift card (Docs/Design.md §4.4) — shown by the data view (`D`).
  public var dataReport: String

  public init(
    dataName: String, blocks: Int, method: ContinualMethod, adaptedLinears: Int, modules: [ModuleInfo],
    kernel: String, modelText: String, runDirectory: String?, dataReport: String = ""
  ) {
    self.dataReport = dataReport
    self.dataName = dataName
    self.blocks = blocks
    self.method = method
    self.adaptedLinears = adaptedLinears
    self.modules = modules
    self.kernel = kernel
    self.modelText = modelText
    self.runDirectory = runDirectory
  }

  /// λ with this run's |L|, or nil for a λ the engine would refuse (not finite, negative).
  public func strength(lambda: Double) -> ProximalStrength? {
    try? ProximalStrength(lambda: lambda, adaptedLinears: adaptedLinears)
  }
}

/// One LoRA module as the screen names it.
public struct ModuleInfo: Sendable, Equatable {
  /// PEFT name: `layers.0.self_attn.q_proj.lora_A`.
  public var name: String
  /// `L0 q.A`.
  public var shortName: String
  public var layer: Int
  /// The linear's short name: q, k, v, o, gate, up, down.
  public var kind: String
  /// `true` for A, `false` for B.
  public var isA: Bool

  public init(name: String, shortName: String, layer: Int, kind: String, isA: Bool) {
    self.name = name
    self.shortName = shortName
    self.layer = layer
    self.kind = kind
    self.isA = isA
  }
}

/// The phase being trained and how far it got.
public struct PhaseProgress: Sendable, Equatable {
  public var stage: Int
  public var phase: PhaseTrainer.Phase
  public var step: Int
  public var totalSteps: Int

  public init(stage: Int, phase: PhaseTrainer.Phase, step: Int, totalSteps: Int) {
    self.stage = stage
    self.phase = phase
    self.step = step
    self.totalSteps = totalSteps
  }

  public var isBackbone: Bool { phase == .backbone }
}

/// What the engine thread is doing right now.
public enum EngineActivity: Sendable, Equatable {
  case running
  case paused
  /// Evaluating a finished stage on the test users of blocks 0…t (takes a while).
  case evaluating(stage: Int)
  /// Setting up the next phase (a new adapter, EWC's Fisher, the backbone cache).
  case preparing(stage: Int)
  case finished

  /// One word for the status line.
  public var label: String {
    switch self {
    case .running: return "running"
    case .paused: return "paused"
    case .evaluating(let t): return "evaluating stage \(t)"
    case .preparing(let t): return "preparing stage \(t)"
    case .finished: return "finished"
    }
  }
}

/// An engine error as the screen shows it.
public struct EngineFailure: Sendable, Equatable {
  public var message: String
  /// Grows by one per error, so the UI knows a new one from one it hid.
  public var serial: Int

  public init(message: String, serial: Int) {
    self.message = message
    self.serial = serial
  }
}

/// A demo cue the engine paused at (Docs/Design.md §7 demo; `DemoScript`).
public struct CueStop: Sendable, Equatable {
  /// The index of the cue in the script.
  public var index: Int
  public var serial: Int

  public init(index: Int, serial: Int) {
    self.index = index
    self.serial = serial
  }
}

/// The spectrum of Docs/Design.md §3 reduced to what the panel draws; the weights
/// w_k are not stored: the UI computes them from ρ and its own λ, so they move
/// the instant λ changes.
public struct SpectrumSummary: Sendable, Equatable {
  /// The module's PEFT name, or "joint (56 modules)".
  public var label: String
  public var fisher: FisherKind
  /// The metric H: softmaxKL, l2, diagonalFisher.
  public var metricKind: String
  /// ρ_k above the zero cluster, largest first.
  public var rho: [Double]
  /// The softmax-shift eigenvalues (ρ ~ 1/ε), shown apart.
  public var shiftRho: [Double]
  /// The zero cluster: LoRA gauge and directions no probe example moves.
  public var gaugeCount: Int
  /// ε of H_ε per module.
  public var eps: [Double]
  /// Shift fraction mixed into the data spectrum (ε too large to separate it).
  public var unresolvedShift: Double
  public var probeExamples: Int
  /// Where Σ was measured.
  public var stage: Int
  public var step: Int
  /// Wall time of the computation.
  public var seconds: Double
  /// λ guidance of the joint view on the same gradients, once the joint view was shown for
  /// them (J), so the panel shows the selected module's and the joint λ(w*) side by side.
  public var jointGuidance: LambdaGuidance?

  public init(
    label: String, fisher: FisherKind, metricKind: String, rho: [Double], shiftRho: [Double], gaugeCount: Int,
    eps: [Double], unresolvedShift: Double, probeExamples: Int, stage: Int, step: Int, seconds: Double,
    jointGuidance: LambdaGuidance? = nil
  ) {
    self.jointGuidance = jointGuidance
    self.label = label
    self.fisher = fisher
    self.metricKind = metricKind
    self.rho = rho
    self.shiftRho = shiftRho
    self.gaugeCount = gaugeCount
    self.eps = eps
    self.unresolvedShift = unresolvedShift
    self.probeExamples = probeExamples
    self.stage = stage
    self.step = step
    self.seconds = seconds
  }
}

/// The spectrum panel's state: the last result (kept on screen while a new
/// one is computed) and a line saying what is going on.
public struct SpectrumPanelState: Sendable, Equatable {
  public enum Status: Sendable, Equatable {
    /// Nothing asked for yet.
    case idle
    /// No spectrum can exist now (stage 0 has no anchor), with the reason.
    case unavailable(String)
    /// The worker is on it; the text says what.
    case computing(String)
    case ready
    case failed(String)
  }

  public var status: Status = .idle
  public var result: SpectrumSummary?

  public init(status: Status = .idle, result: SpectrumSummary? = nil) {
    self.status = status
    self.result = result
  }
}
