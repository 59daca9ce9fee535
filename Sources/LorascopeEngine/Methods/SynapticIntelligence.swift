/// `si`, Synaptic Intelligence (Zenke, Poole & Ganguli 2017; Docs/Math.md §46): one evolving
/// adapter anchored at v_{t−1} by ½ Σ_i Ω_i (v_i − v_{t−1,i})², where the importance Ω sums,
/// over the stages before t, each stage's path integral ω_i = Σ_steps −g_i Δθ_i (g = ∇CE before
/// the step, Δθ the step's change) divided by (Δ_i² + ξ), Δ the stage's whole change.
/// Ω after each stage is kept in the stage's directory (`MethodState`, "importance").
struct SynapticIntelligence: ContinualMethodDefinition {
  let name = "si"
  let summary = "single LoRA + Synaptic Intelligence (path-integral importance) term"
  /// ξ, the damping of Docs/Math.md §46 (Zenke et al. use 0.1).
  static let damping = 0.1
  static let importanceName = "importance"

  var usesLambda: Bool { true }
  var keepsStateFromTraining: Bool { true }

  func anchoredTerms(_ stage: MethodStage) throws -> AnchoredTerms {
    guard let state = try stage.state(afterStage: stage.stage - 1) else {
      throw LorascopeError.invalidConfiguration(
        "si: stage \(stage.stage - 1) kept no importance Ω (\(MethodState.fileName) is missing); rerun the run from that stage")
    }
    let omega = try state.vector(Self.importanceName, count: stage.layout.count, stage: stage.stage - 1)
    let penalty = SynapticImportancePenalty(quadratic: stage.proximalPenalty(kind: .diagonalFisher, diagonal: omega))
    return AnchoredTerms(penalty: penalty, metric: penalty)
  }

  func trainingObserver(_ stage: MethodStage) throws -> (any TrainingStepObserver)? {
    PathIntegral(count: stage.layout.count)
  }

  /// Ω after stage t = Ω after stage t − 1 + max(ω, 0)/(Δ² + ξ) (Docs/Math.md §46).
  func stateAfterStage(_ stage: MethodStage, observer: (any TrainingStepObserver)?) throws -> MethodState? {
    let t = stage.stage
    guard let path = observer as? PathIntegral else {
      throw LorascopeError.invalidConfiguration("si: stage \(t) finished without its path integral")
    }
    let previous: [Float]
    if t == 0 {
      previous = [Float](repeating: 0, count: stage.layout.count)
    } else {
      guard let state = try stage.state(afterStage: t - 1) else {
        throw LorascopeError.invalidConfiguration("si: stage \(t - 1) kept no importance Ω (\(MethodState.fileName))")
      }
      previous = try state.vector(Self.importanceName, count: stage.layout.count, stage: t - 1)
    }
    let importance = Self.accumulate(previous: previous, path: path, end: stage.session.adapters[t])
    return MethodState(tensors: [Self.importanceName: importance])
  }

  /// Ω_prev + max(ω, 0)/(Δ² + ξ) with Δ = end − the stage's start (no step taken: Ω_prev).
  static func accumulate(previous: [Float], path: PathIntegral, end: FloatBuffer) -> [Float] {
    guard let start = path.start else { return previous }
    return previous.indices.map { i in
      let delta = Double(end[i]) - Double(start[i])
      return previous[i] + Float(max(path.omega[i], 0) / (delta * delta + damping))
    }
  }
}

/// ω_i = Σ_steps −g_i Δθ_i over one stage's steps (Docs/Math.md §46), with the stage's start.
final class PathIntegral: TrainingStepObserver {
  private(set) var omega: [Double]
  /// The adapter before the stage's first step.
  private(set) var start: [Float]?
  private var before: [Float]
  private var gradient: [Float]

  init(count: Int) {
    omega = [Double](repeating: 0, count: count)
    before = [Float](repeating: 0, count: count)
    gradient = [Float](repeating: 0, count: count)
  }

  func willStep(adapter: FloatBuffer, lossGradient: FloatBuffer) {
    for i in 0..<omega.count {
      before[i] = adapter[i]
      gradient[i] = lossGradient[i]
    }
    if start == nil { start = before }
  }

  func didStep(adapter: FloatBuffer) {
    for i in 0..<omega.count { omega[i] -= Double(gradient[i]) * (Double(adapter[i]) - Double(before[i])) }
  }
}

/// SI's term: the diagonal quadratic ½ Σ_i Ω_i Δ_i² (EWC's arithmetic with Ω in place of F), its
/// own metric diag(Ω) in the spectrum.
struct SynapticImportancePenalty: AdapterPenalty, AnchorMetric {
  let quadratic: ProximalPenalty

  var layout: LoRALayout { quadratic.layout }
  var anchor: [Float] { quadratic.anchor }
  var metricName: String { "synapticIntelligence" }
  /// Ω in the adapter's layout.
  var importance: [Float] { quadratic.fisher ?? [] }

  func evaluate(_ v: FloatBuffer, strength: ProximalStrength, gradient: FloatBuffer?) -> [Double] {
    quadratic.evaluate(v, strength: strength, gradient: gradient)
  }

  func metric(over modules: [LoRAModule]) throws -> (JointProximalMetric, [Double]) {
    try quadratic.metric(over: modules)
  }
}

extension ContinualMethod {
  static let synapticIntelligence = ContinualMethod(row: SynapticIntelligence())
}
