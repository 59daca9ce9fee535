/// The continual-training methods of Docs/Design.md §2, each one name on the command line.
public enum ContinualMethod: String, Codable, CaseIterable, Sendable {
  /// Single evolving LoRA anchored by the per-module softmax-KL proximal term.
  case peso
  /// ½‖v − v_{t−1}‖² per module (the H = I case of the theory).
  case l2
  /// ½ Σ F_i Δ_i² with the diagonal Fisher at the end of the previous stage.
  case ewc
  /// Single evolving LoRA with no penalty (λ = 0).
  case single
  /// SumLoRA: every past adapter frozen and added to a new trainable one.
  case cumulativeAll = "cumulative-all"
  /// SumLoRA with only the latest past adapter.
  case cumulativeLatest = "cumulative-latest"
  /// Trained on block 0 only, never adapted (the lower bound).
  case frozen

  /// The proximal penalty the method adds, if any.
  public var penaltyKind: ProximalPenalty.Kind? {
    switch self {
    case .peso: return .softmaxKL
    case .l2: return .l2
    case .ewc: return .diagonalFisher
    default: return nil
    }
  }

  public var isCumulative: Bool { self == .cumulativeAll || self == .cumulativeLatest }

  /// Whether λ means anything for this method (the screen greys it out otherwise).
  public var usesLambda: Bool { penaltyKind != nil }

  public var summary: String {
    switch self {
    case .peso: return "single LoRA + per-module softmax-KL proximal term (PESO)"
    case .l2: return "single LoRA + L2 proximal term"
    case .ewc: return "single LoRA + diagonal-Fisher (EWC) term"
    case .single: return "single evolving LoRA, no penalty"
    case .cumulativeAll: return "frozen past adapters (all) + a new trainable one"
    case .cumulativeLatest: return "frozen latest adapter + a new trainable one"
    case .frozen: return "trained on block 0 only, never adapted"
    }
  }
}
