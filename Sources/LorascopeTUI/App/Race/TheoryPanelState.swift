import LorascopeEngine

/// The predicted-vs-realized check of Docs/Design.md §3 (Corollary 2, what `lorascope verify`
/// runs) for the last finished stage at the λ in force, as published by the engine thread.
public struct TheoryPanelState: Sendable {
  public enum Status: Sendable, Equatable {
    case idle
    case unavailable(String)
    /// Retraining the stage from v_{t−1} with λ = 0 and the λ in force, in lockstep.
    case retraining
    /// Measuring Σ on the probe and solving for ρ_k, q_k.
    case solving
    case finished
    case cancelled
    case failed(String)
  }

  public var status: Status = .idle
  public var stage: Int?
  /// The λ the check retrains with (the λ in force when it started); the title shows it.
  public var lambda: Double?
  /// The λ the run's stage itself ended with (it differs from `lambda` once λ was changed after).
  public var stageLambda: Double?
  public var stepsTaken = 0
  public var totalSteps = 0
  public var check: TheoryCheck?

  public init() {}

  public var isActive: Bool {
    switch status {
    case .retraining, .solving: return true
    default: return false
    }
  }
}
