import LorascopeEngine

/// What the UI asks of the engine thread. Commands are queued and applied
/// between optimizer steps, so a new λ takes effect at the next step
/// (Docs/Design.md §7) and the UI never waits for training.
public enum EngineCommand: Sendable, Equatable {
  /// Space: run if paused, pause if running.
  case toggleRun
  case run
  case pause
  /// `n`: pause, then take exactly one optimizer step.
  case step
  /// `s`: run to the end of the current stage, evaluate it, then pause.
  case finishStage
  /// A new λ for the next step; the engine writes the change to log.jsonl.
  case setLambda(Double)
  /// Compute (or re-solve) the spectrum panel's ρ_k.
  case spectrum(SpectrumRequest)
  /// Pause when the run reaches one of these positions (the demo's cues).
  case setCues([CuePosition])
  /// `r`: fork the current stage from its start into these 2–4 λ and race them in lockstep
  /// (the main run waits until the race ends or is left).
  case startRace([Double])
  /// Leave the race: drop it if it is still running; the main run goes on as before.
  case stopRace
  /// `v`: the predicted-vs-realized check of the last finished stage, and again after every
  /// stage that finishes while the panel is open.
  case checkTheory
  /// The panel closed: drop a check under way and stop checking new stages.
  case stopTheory
  /// `g`/`G`: show finished stage t — its loss curves and final P_g from log.jsonl and its
  /// spectrum, computed on the worker (issue 28 item 1; a finished or read-only run only).
  case showStage(Int)
  /// `w`/`W`: predict the λ curve of the stage λ acts on now (Docs/Math.md §45): the retained
  /// fraction of the stage's update for each λ, before training at any of them.
  case predictLambdaCurve
  /// Finish the current step, write the log and stop the thread.
  case quit
}

/// Which spectrum to show and whether to measure Σ afresh.
public struct SpectrumRequest: Sendable, Equatable {
  public var selection: SpectrumAnalysis.Selection
  public var fisher: FisherKind
  /// `true` (`e`): copy the model as it is now and recompute the gradients.
  /// `false`: reuse the last copy and, for the same Σ estimator, its
  /// gradients too: only the eigen-solve runs (a new module or the joint view).
  public var fresh: Bool

  public init(selection: SpectrumAnalysis.Selection, fisher: FisherKind, fresh: Bool) {
    self.selection = selection
    self.fisher = fisher
    self.fresh = fresh
  }
}

/// A point of a run a demo cue can stop at.
public enum CuePosition: Hashable, Sendable, CustomStringConvertible {
  /// A phase of stage t has started (before its first step); `backbone` picks
  /// backbone pretraining, otherwise the stage's adapter phase.
  case phaseStart(stage: Int, backbone: Bool)
  /// Right after optimizer step n (1-based) of a phase.
  case step(stage: Int, backbone: Bool, step: Int)
  /// Stage t is trained and evaluated.
  case stageEnd(stage: Int)
  /// The last stage is done.
  case finished

  public var description: String {
    switch self {
    case .phaseStart(let t, let backbone): return "stage \(t)\(backbone ? " backbone" : "") start"
    case .step(let t, let backbone, let n): return "stage \(t)\(backbone ? " backbone" : "") step \(n)"
    case .stageEnd(let t): return "stage \(t) end"
    case .finished: return "finished"
    }
  }

  /// The position an engine event reaches, if a cue can name it.
  public init?(event: ContinualSession.Event) {
    switch event {
    case .phaseStarted(let stage, let phase, _): self = .phaseStart(stage: stage, backbone: phase == .backbone)
    case .step(let r):
      self = .step(stage: r.stage, backbone: r.phase == .backbone, step: r.step)
    case .stageFinished(let s): self = .stageEnd(stage: s.stage)
    case .finished: self = .finished
    case .backboneLoaded, .backboneEpoch: return nil
    }
  }
}

/// The engine as the UI sees it: a mailbox for commands and a published
/// snapshot. `EngineController` is the real one; tests use a fake.
public protocol DashboardEngine: AnyObject {
  /// Queues a command; never blocks on training.
  func send(_ command: EngineCommand)
  /// Grows whenever the snapshot changes (cheap to poll every frame).
  var snapshotVersion: UInt64 { get }
  /// A copy of the latest snapshot.
  func snapshot() -> DashboardSnapshot
}
