import LorascopeEngine

/// The engine thread's side jobs that fork a stage from its anchor v_{t−1}: the λ race
/// (Docs/Statistics.md "The λ race") and the predicted-vs-realized check of Docs/Design.md §3
/// (the two retrainings `lorascope verify` runs, here as a race of λ = 0 against the λ in force
/// so the screen can show progress and leave between steps). Both are `StageRace` lanes;
/// this type only schedules them one step per tick and publishes what they measured. The
/// domain logic stays in the engine (`StageRace`, `TheoryCheck`, `SpectrumPipeline`).
///
/// Engine-thread only (it uses the session, which is not thread-safe).
final class StageForkRunner {
  enum Purpose { case race, theory }

  /// ‖Δ‖_H of every lane is refreshed this many times over a race (and at its end).
  static let displacementRefreshes = 40

  private let session: ContinualSession
  private(set) var race = RacePanelState()
  private(set) var theory = TheoryPanelState()
  /// The bf16 vs exact softmax-KL per module for the last finished stage ≥ 1 (issue 11 item 5).
  private(set) var precision: PenaltyPrecisionPanel?
  private var active: (purpose: Purpose, race: StageRace)?
  /// One line about how the last race or check ended, for the header's status.
  private(set) var lastOutcome = ""

  init(session: ContinualSession) {
    self.session = session
  }

  /// `true` while a race or a check is under way (the main run waits).
  var isBusy: Bool { active != nil }

  // MARK: - Starting and stopping

  /// Forks the current stage t (the last stage once the run is finished) into `lambdas`.
  func startRace(lambdas: [Double]) {
    cancel()
    race = RacePanelState()
    let t = session.isFinished ? session.dataset.numBlocks - 1 : session.stage
    race.stage = t
    guard t >= 1 else {
      race.status = .unavailable(
        "a race forks stage t from v_{t−1}: stage 0 has no anchor (s finishes stage 0, then r races stage 1)")
      return
    }
    guard session.adapters.count >= t else {
      race.status = .unavailable("stage \(t - 1) is not finished yet")
      return
    }
    race.status = .preparing
    do {
      let stageRace = try StageRace(session: session, stage: t, lambdas: lambdas)
      race.lanes = stageRace.lanes.map { RaceLaneView(lambda: $0.strength.lambda, lambdaEffective: $0.strength.effective) }
      race.totalSteps = stageRace.totalSteps
      race.status = .running
      active = (.race, stageRace)
    } catch {
      race.status = .failed(Self.message(error))
    }
  }

  /// Retrains the last finished stage t ≥ 1 with λ = 0 and with the λ in force now (the
  /// header's, so `w` then `v` checks the λ just set), then compares. The stage's own λ from the
  /// run is kept beside it: the two differ once λ changed after the stage ended, and the panel
  /// must name the λ the check trained with, not the stage's.
  func startTheory() {
    cancel()
    theory = TheoryPanelState()
    let t = session.adapters.count - 1
    guard t >= 1 else {
      theory.status = .unavailable("the check needs a finished stage ≥ 1 (stage 0 has no anchor): s finishes a stage")
      return
    }
    let lambda = session.lambda
    theory.stage = t
    theory.lambda = lambda
    theory.stageLambda = session.metrics.lambda(atEndOfStage: t)
    guard lambda > 0 else {
      theory.status = .unavailable("λ = 0: every w_k = 1, nothing to compare (set λ, then v)")
      return
    }
    do {
      let stageRace = try StageRace(session: session, stage: t, lambdas: [0, lambda])
      theory.lambda = stageRace.lanes[1].strength.lambda
      theory.totalSteps = stageRace.totalSteps
      theory.status = .retraining
      active = (.theory, stageRace)
    } catch {
      theory.status = .failed(Self.message(error))
    }
  }

  /// Drops the race or check under way; finished results stay on screen.
  func cancel() {
    guard let active else { return }
    switch active.purpose {
    case .race: race.status = .cancelled
    case .theory: theory.status = .cancelled
    }
    self.active = nil
  }

  /// Cancels only a job of `purpose` (leaving its view must not stop the other one).
  func cancel(_ purpose: Purpose) {
    if active?.purpose == purpose { cancel() }
  }

  // MARK: - Working

  /// One unit of work: a lockstep step of every lane, or, after the last step, the evaluation
  /// (race) or the spectrum and comparison (check). `announce` publishes before slow work.
  func advance(announce: () -> Void) {
    guard let (purpose, stageRace) = active else { return }
    do {
      if !stageRace.isFinished {
        let records = try stageRace.step()
        switch purpose {
        case .race:
          for (index, record) in records.enumerated() where index < race.lanes.count {
            race.lanes[index].loss.append(ce: record.ce, penalty: record.penalty)
          }
          race.stepsTaken = stageRace.stepsTaken
          let every = max(1, stageRace.totalSteps / Self.displacementRefreshes)
          if race.stepsTaken % every == 0 { try refreshDisplacements(stageRace) }
        case .theory:
          theory.stepsTaken = stageRace.stepsTaken
        }
        return
      }
      switch purpose {
      case .race:
        race.status = .evaluating
        announce()
        let result = try stageRace.finish()
        for (index, lane) in result.lanes.enumerated() where index < race.lanes.count {
          race.lanes[index].displacementH = lane.displacementH
        }
        race.result = result
        race.status = .finished
        lastOutcome = "race of stage \(stageRace.stage) evaluated: Esc leaves it, the run is where it was"
      case .theory:
        theory.status = .solving
        announce()
        let check = try Self.check(session: session, race: stageRace)
        theory.check = check
        theory.status = .finished
        lastOutcome = "stage \(stageRace.stage) checked: ‖Δ_λ‖/‖Δ_0‖ "
          + NumberFormat.fixed(check.displacementRatio, decimals: 4)
      }
      active = nil
    } catch {
      switch purpose {
      case .race: race.status = .failed(Self.message(error))
      case .theory: theory.status = .failed(Self.message(error))
      }
      lastOutcome = (purpose == .race ? "the race" : "the check") + " stopped: " + Self.message(error)
      active = nil
    }
  }

  private func refreshDisplacements(_ stageRace: StageRace) throws {
    for (index, lane) in stageRace.lanes.enumerated() where index < race.lanes.count {
      race.lanes[index].displacementH = try stageRace.displacement(of: lane).h
    }
  }

  /// Corollary 2 on the lanes' end points: the joint spectrum at v_{t−1} (empirical Σ on the
  /// panel's probe, as the spectrum panel measures it) with every resolved direction, and
  /// `TheoryCheck.evaluate` on the testable ones, as `verify` (Docs/Math.md §31).
  static func check(session: ContinualSession, race: StageRace) throws -> TheoryCheck {
    guard race.lanes.count == 2 else { throw LorascopeError.usage("the check compares λ = 0 with one λ") }
    let free = try race.adapter(of: race.lanes[0])
    let anchored = try race.adapter(of: race.lanes[1])
    let source = try session.spectrumSource(
      stage: race.stage, probeSize: SpectrumWorker.probeSize, seed: session.config.seed)
    let gradients = try SpectrumPipeline.gradients(source: source, fisher: .empirical, selection: .joint)
    let analysis = try TheoryCheck.analyze(source: source, gradients: gradients, selection: .joint)
    return try TheoryCheck.evaluate(
      analysis: analysis, source: source, free: free, anchored: anchored, strength: race.lanes[1].strength)
  }

  // MARK: - Stage ends

  /// After stage t is evaluated: the bf16 vs exact penalty per module of v_t against v_{t−1}
  /// (a few forward/backward passes over the adapter, off the per-step hot path).
  func stageFinished(_ t: Int) {
    guard t >= 1, session.config.method.usesLambda else { return }
    do {
      precision = PenaltyPrecisionPanel(stage: t, rows: try session.penaltyPrecisionComparison(stage: t))
    } catch {
      precision = nil
    }
  }

  static func message(_ error: any Error) -> String {
    (error as? LorascopeError)?.description ?? "\(error)"
  }
}

/// The released code's bf16 penalty next to the exact one, per module, for one finished stage.
public struct PenaltyPrecisionPanel: Sendable, Equatable {
  public var stage: Int
  /// One row per module, in the layout's order.
  public var rows: [PenaltyPrecisionComparison]

  public init(stage: Int, rows: [PenaltyPrecisionComparison]) {
    self.stage = stage
    self.rows = rows
  }
}
