import Dispatch
import LorascopeEngine

/// The engine thread's work: it owns the `ContinualSession` (which is not
/// thread-safe), applies the UI's commands between optimizer steps, advances
/// the run one unit at a time and publishes what happened into the snapshot.
///
/// Created on the UI thread, then handed to the engine thread by
/// `EngineController.start()`; from then on only that thread touches it
/// (hence `@unchecked Sendable`: the transfer is the only crossing).
final class EngineLoop: @unchecked Sendable {
  /// Publish at most this often while steps come fast (the UI draws ≤ 30 fps).
  static let publishInterval: UInt64 = 16_000_000

  private let session: ContinualSession
  private let store: SnapshotStore
  private let inbox: CommandInbox
  private let spectrum: SpectrumWorker

  private var running: Bool
  private var stepsToTake = 0
  private var stopAtStageEnd: Int?
  private var cues: [CuePosition: Int] = [:]
  private var quitting = false
  /// The race and the predicted-vs-realized check (they pause the main run while they work).
  private let forks: StageForkRunner
  /// Whether the main run was running when a fork started (it resumes so afterwards).
  private var runningBeforeFork = false
  /// The predicted-vs-realized panel is open: check every stage that finishes.
  private var theoryFollowsStages = false

  // What the engine publishes (the spectrum worker owns `spectrum`).
  private var phase: PhaseProgress?
  private var backboneLoss = LossHistory()
  private var adapterLoss = LossHistory()
  private var modulePenalty: [Double] = []
  private var inertness = InertnessMonitor()
  private var rate = StepRate()
  private var status = ""
  private var failure: EngineFailure?
  private var failureCount = 0
  private var publishedStageCount = -1
  private var cue: CueStop?
  private var lastPublish: UInt64 = 0

  // The spectrum's source: the last model copy and the selection asked for.
  private var source: LiveSpectrumSource?
  private var sourceCount = 0
  private var selection: SpectrumAnalysis.Selection = .module(0)
  private var fisher: FisherKind = .empirical
  /// The stage whose adapter phase last started (the spectrum's stage).
  private var adapterStage: Int?

  /// The run directory is open read-only (a finished run, `--review`): nothing trains or is
  /// written, λ moves only the screen's weights (issue 28 item 1).
  private let readOnly: Bool
  /// A finished stage's curves and spectrum sources (`g`), read when first asked for.
  private var browser: StageBrowser?
  /// The finished stage the panels show, nil while they follow the live run.
  private var shownStage: Int?
  private var lambdaCurve: LambdaCurve?
  private var lambdaCurveSerial = 0

  init(
    session: ContinualSession, store: SnapshotStore, inbox: CommandInbox, spectrum: SpectrumWorker,
    startRunning: Bool
  ) {
    self.session = session
    self.store = store
    self.inbox = inbox
    self.spectrum = spectrum
    forks = StageForkRunner(session: session)
    readOnly = session.runDirectory?.isReadOnly ?? false
    running = startRunning && !session.isFinished && !readOnly
  }

  /// The engine thread's body: returns after `.quit`.
  func run() {
    TerminalGuard.blockTerminalSignalsInCurrentThread()
    // A cache notice goes to the status line: standard error would tear the screen.
    session.onCacheNotice = { [unowned self] text in status = text }
    // A finished or read-only run opens on its last finished stage, as a live run ends on it.
    if session.isFinished || readOnly, let last = session.metrics.stages.last?.stage { showStage(last) }
    publish()
    while !quitting {
      apply(inbox.takeAll())
      if quitting { break }
      if forks.isBusy {
        forks.advance(announce: { publish() })
        if !forks.isBusy {
          endFork()
          status = forks.lastOutcome
        }
        publishIfDue()
      } else if (running || stepsToTake > 0) && !session.isFinished {
        advanceOnce()
        publishIfDue()
      } else {
        running = false
        stepsToTake = 0
        publish()
        inbox.wait(seconds: 0.5)
      }
    }
    do {
      if !readOnly { try session.flush() }
    } catch {
      fail(error)
    }
    status = "stopped"
    running = false
    publish()
  }

  // MARK: - Commands

  private func apply(_ commands: [EngineCommand]) {
    for command in commands {
      if readOnly, let refusal = Self.readOnlyRefusal(command) {
        status = refusal
        lastPublish = 0
        continue
      }
      switch command {
      case .toggleRun where forks.isBusy:
        // The race or check keeps the engine; the run starts or stays paused after it.
        runningBeforeFork.toggle()
        status = runningBeforeFork ? "the run goes on after the race or check" : "the run stays paused after the race or check"
      case .run where forks.isBusy:
        runningBeforeFork = true
      case .pause where forks.isBusy:
        runningBeforeFork = false
      case .toggleRun:
        if session.isFinished {
          status = "the run is finished (q quits)"
        } else {
          running.toggle()
          stepsToTake = 0
          if running { failure = nil } else { rate.reset() }
        }
      case .run:
        running = !session.isFinished
      case .pause:
        running = false
        stepsToTake = 0
      case .step:
        running = false
        stepsToTake = min(stepsToTake + 1, 1000)
      case .finishStage:
        guard !session.isFinished else { continue }
        stopAtStageEnd = session.stage
        running = true
        status = "running to the end of stage \(session.stage), then evaluating it"
      case .setLambda(let value):
        setLambda(value)
      case .spectrum(let request):
        selection = request.selection
        fisher = request.fisher
        requestSpectrum(fresh: request.fresh)
      case .setCues(let positions):
        cues = [:]
        for (index, position) in positions.enumerated() where cues[position] == nil { cues[position] = index }
      case .startRace(let lambdas):
        beginFork { forks.startRace(lambdas: lambdas) }
        status = forks.race.isActive
          ? "racing stage \(forks.race.stage ?? 0): λ " + lambdas.map { NumberFormat.compact($0, significant: 4) }.joined(separator: " vs ")
          : "no race"
      case .stopRace:
        if forks.race.isActive {
          forks.cancel(.race)
          endFork()
          status = "race left; the run goes on as before"
        }
      case .checkTheory:
        theoryFollowsStages = true
        beginFork { forks.startTheory() }
        if forks.theory.isActive {
          status = "checking stage \(forks.theory.stage ?? 0): retraining from v_{t−1} with λ = 0 and λ"
        }
      case .stopTheory:
        theoryFollowsStages = false
        if forks.theory.isActive {
          forks.cancel(.theory)
          endFork()
        }
      case .showStage(let stage):
        showStage(stage)
      case .predictLambdaCurve:
        predictLambdaCurve()
      case .quit:
        quitting = true
      }
      lastPublish = 0  // show the effect of a command at once
    }
  }

  /// Why a read-only run refuses `command` (it would train or write), nil for the commands it
  /// serves (Docs/Architecture.md "The run directory": an inspection opening never writes).
  private static func readOnlyRefusal(_ command: EngineCommand) -> String? {
    switch command {
    case .toggleRun, .run, .step, .finishStage, .startRace, .checkTheory:
      return "read-only: this run is only looked at here (lorascope run --resume trains it)"
    case .setLambda:
      return "read-only: λ moves the weights on screen; the run keeps the λ it trained with"
    case .pause, .spectrum, .setCues, .stopRace, .stopTheory, .showStage, .predictLambdaCurve, .quit:
      return nil
    }
  }

  /// The stage a λ curve is made for: the one in training, or the last of a finished run.
  private var curveStage: Int? {
    let stage = session.isFinished ? session.metrics.stages.map(\.stage).max() ?? 0 : session.stage
    return stage >= 1 ? stage : nil
  }

  /// Predicts the λ curve of `curveStage` on this thread (a few seconds: the stage's AdamW on its
  /// quadratic model, Docs/Math.md §45); training waits meanwhile. Nothing is written.
  private func predictLambdaCurve() {
    guard let stage = curveStage else {
      status = "stage 0 has no anchor: the λ curve starts at stage 1"
      return
    }
    status = "predicting stage \(stage)'s λ curve"
    publish()
    do {
      let curve = try session.predictLambdaCurve(stage: stage)
      lambdaCurve = curve
      lambdaCurveSerial += 1
      status = "stage \(stage)'s λ curve: \(curve.curve.count) λ in \(NumberFormat.compact(curve.seconds, significant: 2)) s"
    } catch {
      fail(error)
    }
  }

  /// Shows finished stage t in the loss, penalty and spectrum panels: its curves and last P_g
  /// from log.jsonl, its spectrum from the saved stages on the worker (issue 28 item 1). Only
  /// when nothing trains any more, so the live curves are never overwritten.
  private func showStage(_ stage: Int) {
    guard session.isFinished || readOnly else {
      status = "stages can be browsed once the run is finished (or opened with --review)"
      return
    }
    guard session.metrics.stages.contains(where: { $0.stage == stage }) else {
      status = "stage \(stage) is not finished in this run"
      return
    }
    do {
      if browser == nil {
        if !readOnly { try session.flush() }  // the last steps may still wait in memory
        browser = try StageBrowser(session: session)
      }
    } catch {
      fail(error)
      return
    }
    guard let browser else { return }
    let view = browser.view(stage: stage)
    shownStage = stage
    phase = nil
    backboneLoss = view.backboneLoss
    adapterLoss = view.adapterLoss
    modulePenalty = view.modulePenalty
    adapterStage = stage >= 1 ? stage : nil
    status = browser.hasLog(stage: stage) ? "stage \(stage) as log.jsonl recorded it" : "log.jsonl holds no step of stage \(stage)"
    requestSpectrum(fresh: false)
  }

  /// Starts a race or a check: the main run waits for it (its state is remembered once, so a
  /// fork replacing another does not forget that the run was running).
  private func beginFork(_ start: () -> Void) {
    let wasBusy = forks.isBusy
    forks.cancel()
    if !wasBusy { runningBeforeFork = running }
    start()
    if forks.isBusy {
      running = false
      stepsToTake = 0
      rate.reset()
    } else if wasBusy {
      endFork()
    }
  }

  /// The fork is over (finished, failed or left): the main run resumes as it was.
  private func endFork() {
    running = runningBeforeFork && !session.isFinished
    runningBeforeFork = false
  }

  /// λ for the next step: the session validates it and records the change in log.jsonl and
  /// metrics.json (Docs/Design.md §6–§7).
  private func setLambda(_ value: Double) {
    let old = session.lambda
    do {
      guard try session.setLambda(value) else { return }
      inertness.reset()  // the ratio scales with λ: the old readings no longer apply
      let step = session.trainer?.step ?? 0
      status = "λ \(NumberFormat.compact(old, significant: 4)) → \(NumberFormat.compact(value, significant: 4))"
        + " from step \(step + 1)"
    } catch {
      fail(error)
    }
  }

  // MARK: - Advancing

  private func advanceOnce() {
    announceSlowWork()
    do {
      let event = try session.advance()
      handle(event)
    } catch {
      fail(error)
    }
  }

  /// Evaluation and phase set-up take seconds: say so before starting them.
  private func announceSlowWork() {
    let trainer = session.trainer
    if let trainer, !trainer.isFinished { return }  // a plain optimizer step
    let stage = session.stage
    let evaluates = trainer.map { $0.phase != .backbone } ?? false
    store.update { $0.activity = evaluates ? .evaluating(stage: stage) : .preparing(stage: stage) }
  }

  private func handle(_ event: ContinualSession.Event) {
    switch event {
    case .phaseStarted(let stage, let trainerPhase, let steps):
      phase = PhaseProgress(stage: stage, phase: trainerPhase, step: 0, totalSteps: steps)
      modulePenalty = []
      inertness.reset()
      rate.reset()
      status = "stage \(stage): \(trainerPhase.rawValue), \(steps) steps"
      if trainerPhase == .adapter {
        adapterStage = stage
        requestSpectrum(fresh: true)
      } else if stage == 0 {
        reportSpectrumUnavailable()
      }
    case .backboneLoaded(let path):
      status = "backbone loaded from the cache (\(path))"
    case .backboneEpoch(let epoch, let ce, let best):
      status = String(format: "backbone epoch %d: block-0 validation CE %.3f", epoch, ce)
        + (best == epoch ? " (best so far)" : " (best: epoch \(best))")
    case .step(let record):
      phase?.step = record.step
      phase?.totalSteps = record.totalSteps
      if record.phase == .backbone {
        backboneLoss.append(ce: record.ce, penalty: record.penalty)
      } else {
        adapterLoss.append(ce: record.ce, penalty: record.penalty)
      }
      modulePenalty = record.modulePenalty
      if record.phase == .adapter { inertness.record(record.penaltyGradientRatio) }
      rate.record()
      failure = nil  // training goes on: the error is over
      if stepsToTake > 0 { stepsToTake -= 1 }
    case .stageFinished(let metrics):
      phase = nil
      status =
        "stage \(metrics.stage) evaluated: NDCG@5 \(NumberFormat.fixed(metrics.own.ndcg5, decimals: 4))"
        + " on block \(metrics.stage)"
      if metrics.stage == 0, metrics.learnedLittle, let baseline = metrics.baselineCE {
        // Docs/Math.md §43: the backbone is near the code-frequency floor.
        status += " · the backbone learned little: valid CE \(NumberFormat.fixed(metrics.validationCE, decimals: 2))"
          + " vs \(NumberFormat.fixed(baseline, decimals: 2)) for code frequencies; pretrain longer (--backbone-epochs)"
      }
      if stopAtStageEnd == metrics.stage {
        stopAtStageEnd = nil
        running = false
      }
      forks.stageFinished(metrics.stage)
      if theoryFollowsStages && metrics.stage >= 1 && !forks.isBusy {
        beginFork { forks.startTheory() }
      }
    case .finished:
      phase = nil
      running = false
      stepsToTake = 0
      status = "all \(session.dataset.numBlocks) stages done: R to see R[t][j]"
    }
    if let position = CuePosition(event: event), let index = cues[position] {
      running = false
      stepsToTake = 0
      cue = CueStop(index: index, serial: (cue?.serial ?? 0) + 1)
      lastPublish = 0
    }
    if case .step = event {} else { lastPublish = 0 }
  }

  private func fail(_ error: any Error) {
    let message = (error as? LorascopeError)?.description ?? "\(error)"
    failureCount += 1
    failure = EngineFailure(message: message, serial: failureCount)
    running = false
    stepsToTake = 0
    stopAtStageEnd = nil
    status = "stopped on an error"
    lastPublish = 0
  }

  // MARK: - Spectrum

  /// Hands the worker a job: a fresh copy of the model when asked (or when the
  /// stage changed), otherwise the last copy, whose gradients it may reuse.
  private func requestSpectrum(fresh: Bool) {
    if let shown = shownStage {
      requestStageSpectrum(shown)
      return
    }
    guard let stage = adapterStage, let model = session.model, model.lora != nil, let penalty = session.penalty,
      let metric = session.anchorMetric
    else {
      reportSpectrumUnavailable()
      return
    }
    if fresh || source == nil || source?.source.stage != stage {
      sourceCount += 1
      do {
        let copy = try SpectrumSource(
          stage: stage, model: model.copy(), anchor: FloatBuffer(metric.anchor), metric: metric, penalty: penalty,
          probe: session.probe(block: stage, size: SpectrumWorker.probeSize, seed: session.config.seed),
          seed: session.config.seed)
        source = LiveSpectrumSource(id: sourceCount, source: copy, step: session.trainer?.step ?? phase?.step ?? 0)
      } catch {
        let message = (error as? LorascopeError)?.description ?? "\(error)"
        store.update { $0.spectrum.status = .failed(message) }
        return
      }
    }
    guard let source else { return }
    let what: String
    switch selection {
    case .joint: what = "all modules jointly"
    case .module(let index): what = model.loraLayout.map { index < $0.modules.count ? $0.modules[index].shortName : "" } ?? ""
    }
    store.update { $0.spectrum.status = .computing("solving ρ_k for \(what)…") }
    spectrum.submit(SpectrumJob(source: source, selection: selection, fisher: fisher))
  }

  /// Finished stage t's spectrum: its source is built once on this thread (the worker then keeps
  /// its gradients) and solved on the worker; the UI thread only draws the result.
  private func requestStageSpectrum(_ stage: Int) {
    guard stage >= 1, var browser else {
      // No spectrum of another stage may stand beside stage 0's curves.
      store.update { $0.spectrum = SpectrumPanelState(status: .unavailable("stage 0 has no anchor: g shows stage 1 and on")) }
      return
    }
    store.update { $0.spectrum.status = .computing("loading stage \(stage - 1) for stage \(stage)'s spectrum…") }
    let live: LiveSpectrumSource
    do {
      live = try browser.source(stage: stage, session: session) {
        sourceCount += 1
        return sourceCount
      }
      self.browser = browser
    } catch {
      let message = (error as? LorascopeError)?.description ?? "\(error)"
      store.update { $0.spectrum.status = .failed(message) }
      return
    }
    let what: String
    switch selection {
    case .joint: what = "all modules jointly"
    case .module(let index):
      let modules = LoRALayout(config: session.config.model, lora: session.config.lora).modules
      what = index < modules.count ? modules[index].shortName : ""
    }
    store.update { $0.spectrum.status = .computing("solving ρ_k of stage \(stage) for \(what)…") }
    spectrum.submit(SpectrumJob(source: live, selection: selection, fisher: fisher))
  }

  private func reportSpectrumUnavailable() {
    let reason: String
    if session.stage == 0 {
      reason = "spectrum from stage 1 on (stage 0 has no anchor)"
    } else if session.isFinished {
      reason = "the run is finished: g shows a stage and its spectrum"
    } else {
      reason = "the spectrum comes when stage \(session.stage) starts"
    }
    store.update { $0.spectrum.status = .unavailable(reason) }
  }

  // MARK: - Publishing

  private func publishIfDue() {
    let now = DispatchTime.now().uptimeNanoseconds
    if now - lastPublish >= EngineLoop.publishInterval { publish(now: now) }
  }

  private func publish(now: UInt64 = DispatchTime.now().uptimeNanoseconds) {
    lastPublish = now
    let activity: EngineActivity
    if forks.isBusy {
      activity = .running
    } else if session.isFinished || readOnly {
      activity = .finished
    } else if running || stepsToTake > 0 {
      activity = .running
    } else {
      activity = .paused
    }
    let stages = session.metrics.stages
    let matrix = stages.count != publishedStageCount ? session.metrics.matrix(.ndcg5).values : nil
    publishedStageCount = stages.count
    let (phase, backbone, adapter, penalty, status, failure, cue) =
      (self.phase, backboneLoss, adapterLoss, modulePenalty, self.status, self.failure, self.cue)
    let inertness = self.inertness
    let (race, theory, precision) = (forks.race, forks.theory, forks.precision)
    let perSecond = rate.perSecond(now: now)
    let stage = session.stage
    let strength = session.strength
    let (shownStage, lambdaHistory, readOnly) = (self.shownStage, session.metrics.lambdaHistory, self.readOnly)
    let (lambdaCurve, lambdaCurveSerial, curveStage) = (self.lambdaCurve, self.lambdaCurveSerial, self.curveStage)
    store.update { s in
      s.phase = phase
      s.stage = stage
      s.strength = strength
      s.stepsPerSecond = activity == .running ? perSecond : nil
      s.backboneLoss = backbone
      s.adapterLoss = adapter
      s.modulePenalty = penalty
      s.inertness = inertness
      if let matrix {
        s.stages = stages
        s.matrix = matrix
      }
      s.activity = activity
      s.status = status
      s.error = failure
      s.cue = cue
      s.race = race
      s.theory = theory
      s.precision = precision
      s.shownStage = shownStage
      s.lambdaHistory = lambdaHistory
      s.readOnly = readOnly
      s.lambdaCurve = lambdaCurve
      s.lambdaCurveSerial = lambdaCurveSerial
      s.curveStage = curveStage
    }
  }
}
