/// The term a method adds to stage t's loss (Docs/Design.md §2): λ_eff Σ_g P_g(v) over every
/// module g of the adapter, with λ_eff = λ/|L| from `ProximalStrength`. `PhaseTrainer` sees a
/// method's penalty only through this protocol.
public protocol AdapterPenalty: Sendable {
  var layout: LoRALayout { get }

  /// Returns P_g for every module (in `layout.modules` order) and, when `gradient` is given,
  /// adds λ_eff · ∂P_g/∂v into it.
  @discardableResult
  func evaluate(_ v: FloatBuffer, strength: ProximalStrength, gradient: FloatBuffer?) -> [Double]
}

extension AdapterPenalty {
  /// The strength of this penalty's layout at λ (λ_eff = λ/|L|, Docs/Design.md §2); throws for a
  /// λ that is not finite or negative.
  public func strength(lambda: Double) throws -> ProximalStrength {
    try ProximalStrength(lambda: lambda, layout: layout)
  }

  /// λ_eff · Σ_g P_g, the total term added to the loss.
  public func total(_ perModule: [Double], strength: ProximalStrength) -> Double {
    strength.effective * perModule.reduce(0, +)
  }
}

/// The metric H_{t−1} at the anchor v_{t−1} that the spectrum, the theory check and a race's
/// H-norm use for a stage (Docs/Design.md §3): PESO's, L2's and EWC's are their penalties'
/// Hessians; a method whose penalty is no metric at the anchor shows PESO's.
public protocol AnchorMetric: Sendable {
  /// The metric's name in reports (`spectrum`'s "metric").
  var metricName: String { get }
  /// v_{t−1}.
  var anchor: [Float] { get }
  /// H over `modules` at the anchor, and its data per entry (`spectrum --dump`).
  func metric(over modules: [LoRAModule]) throws -> (JointProximalMetric, [Double])
}
