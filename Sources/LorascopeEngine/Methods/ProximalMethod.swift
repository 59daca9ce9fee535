/// `peso`, `l2` and `ewc` (Docs/Design.md §2): one evolving adapter anchored at v_{t−1} by the
/// proximal penalty of their kind — the softmax-KL, ½‖Δ‖², or ½ Σ F_i Δ_i² with EWC's Fisher
/// diagonal at the end of stage t − 1 — which is also the spectrum's metric.
struct ProximalMethod: ContinualMethodDefinition {
  let name: String
  let summary: String
  let kind: ProximalPenalty.Kind

  static let peso = ProximalMethod(
    name: "peso", summary: "single LoRA + per-module softmax-KL proximal term (PESO)", kind: .softmaxKL)
  static let l2 = ProximalMethod(name: "l2", summary: "single LoRA + L2 proximal term", kind: .l2)
  static let ewc = ProximalMethod(name: "ewc", summary: "single LoRA + diagonal-Fisher (EWC) term", kind: .diagonalFisher)

  var usesLambda: Bool { true }

  func anchoredTerms(_ stage: MethodStage) throws -> AnchoredTerms {
    var fisher: [Float]? = nil
    if kind == .diagonalFisher { fisher = try stage.session.fisherDiagonal(stage: stage.stage, at: stage.modelAtAnchor()) }
    return AnchoredTerms(proximal: stage.proximalPenalty(kind: kind, diagonal: fisher))
  }
}
