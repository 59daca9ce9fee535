import LorascopeEngine

/// One λ of a race as the screen shows it: its loss curve so far and its displacement.
public struct RaceLaneView: Sendable, Equatable {
  public var lambda: Double
  public var lambdaEffective: Double
  /// CE and penalty per race step.
  public var loss: LossHistory
  /// ‖Δ‖_H from v_{t−1} (Docs/Design.md §3), refreshed every few steps and at the end.
  public var displacementH: Double?

  public init(lambda: Double, lambdaEffective: Double, loss: LossHistory = LossHistory(), displacementH: Double? = nil) {
    self.lambda = lambda
    self.lambdaEffective = lambdaEffective
    self.loss = loss
    self.displacementH = displacementH
  }
}

/// The λ race of Docs/Statistics.md ("The λ race") as published by the engine thread: stage t
/// forked from its start into 2–4 λ trained in lockstep, then each lane's NDCG@5 per block with
/// the paired 95 % interval against the first λ (`RaceResult`).
public struct RacePanelState: Sendable {
  public enum Status: Sendable, Equatable {
    /// No race asked for yet.
    case idle
    /// A race cannot run here (stage 0, a cumulative method): the reason.
    case unavailable(String)
    /// Copying v_{t−1} into one model per λ.
    case preparing
    /// Stepping the lanes.
    case running
    /// Evaluating every lane on blocks 0…t.
    case evaluating
    /// Done: `result` holds the scores.
    case finished
    /// Left before the end (the main run went on unchanged).
    case cancelled
    case failed(String)
  }

  public var status: Status = .idle
  public var stage: Int?
  public var lanes: [RaceLaneView] = []
  public var stepsTaken = 0
  public var totalSteps = 0
  public var result: RaceResult?

  public init() {}

  /// `true` while the engine works on the race (the main run waits).
  public var isActive: Bool {
    switch status {
    case .preparing, .running, .evaluating: return true
    default: return false
    }
  }
}
