/// What one optimizer step did: one line of log.jsonl (Docs/Design.md §6).
public struct StepRecord: Codable, Sendable, Equatable {
  public var stage: Int
  /// Encoded as its raw value ("backbone", "adapter-warm-start", "adapter").
  public var phase: PhaseTrainer.Phase
  public var step: Int
  public var totalSteps: Int
  public var ce: Double
  /// λ_eff · Σ_g P_g, the proximal term added to the loss, in nats (0 without a penalty).
  public var penalty: Double
  /// ‖λ_eff ∇P‖ / ‖∇CE‖ over the adapter at this step (nil without a penalty or when ∇CE = 0):
  /// below 1e-3 the penalty does not change what the step does (Docs/Math.md §42).
  public var penaltyGradientRatio: Double?
  /// P_g of every module, in `LoRALayout.modules` order (empty without an adapter).
  public var modulePenalty: [Double]
  public var lambda: Double
  public var lr: Double
  public var gradNorm: Double

  public var total: Double { ce + penalty }

  enum CodingKeys: String, CodingKey {
    case stage, phase, step, totalSteps = "total_steps", ce, penalty, modulePenalty = "module_penalty"
    case lambda, lr, gradNorm = "grad_norm", penaltyGradientRatio = "penalty_gradient_ratio"
  }
}
