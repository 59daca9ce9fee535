/// Trains one phase (backbone pretraining, the block-0 adapter pass, or one stage's adapter)
/// one optimizer step at a time, so a screen can drive it, pause it and turn λ between steps.
public final class PhaseTrainer {
  public enum Phase: String, Codable, Sendable {
    case backbone, adapterWarmStart = "adapter-warm-start", adapter
  }

  public let stage: Int
  public let phase: Phase
  public let model: LlamaModel
  public let plan: BatchPlan
  public let totalSteps: Int
  public private(set) var step = 0
  let grads: ModelGradients
  let optimizer: AdamW
  let schedule: LearningRateSchedule
  let penalty: (any AdapterPenalty)?
  /// The method's hook on every step (Docs/Design.md §2): sees the adapter and ∇CE before the
  /// step and the adapter after it. Set by the session for its own stages only.
  var observer: (any TrainingStepObserver)?
  let clip: Double
  /// Hidden dropout while this phase's steps run (`PhaseConfig.hiddenDropout`).
  let hiddenDropout: Float
  /// Scratch for λ_eff ∇P (adapter-sized; empty without a penalty).
  let penaltyGradient: FloatBuffer
  private var epochBatches: [[Int]] = []
  private var epoch = -1
  private var cursor = 0

  public init(
    stage: Int, phase: Phase, model: LlamaModel, plan: BatchPlan, config: PhaseConfig,
    backbone: BackboneTraining, penalty: (any AdapterPenalty)?
  ) {
    self.stage = stage
    self.phase = phase
    self.model = model
    self.plan = plan
    self.penalty = penalty
    clip = config.gradientClip
    hiddenDropout = config.hiddenDropout ?? 0
    penaltyGradient = FloatBuffer(count: penalty == nil ? 0 : (model.lora?.count ?? 0))
    totalSteps = max(1, Int((config.epochs * Double(plan.batchesPerEpoch)).rounded(.up)))
    schedule = LearningRateSchedule(
      peak: config.learningRate, warmupSteps: Int(Float(totalSteps) * config.warmupFraction), totalSteps: totalSteps)
    grads = ModelGradients(model: model, backbone: backbone, lora: phase != .backbone)
    var groups: [AdamW.Group] = []
    if let gb = grads.backbone {
      let ranges: [Range<Int>]
      switch backbone {
      case .all: ranges = [0..<model.layout.count]
      case .embeddingsAndHead:
        let n = model.config.vocabSize * model.config.hiddenSize
        ranges = [model.layout.embedding..<(model.layout.embedding + n), model.layout.lmHead..<(model.layout.lmHead + n)]
      case .frozen: ranges = []
      }
      groups.append(.init(parameters: model.weights, gradients: gb, ranges: ranges))
    }
    if let gl = grads.lora, let lora = model.lora { groups.append(.init(parameters: lora, gradients: gl)) }
    optimizer = AdamW(config: AdamWConfig(weightDecay: config.weightDecay), groups: groups)
  }

  public var isFinished: Bool { step >= totalSteps || stopped }
  private var stopped = false

  /// Ends the phase before its last scheduled step (the backbone's early stop).
  public func stop() { stopped = true }

  /// The 1-based epoch the last step belongs to, and whether that step ended it.
  public var epochOfLastStep: (epoch: Int, ended: Bool) {
    let perEpoch = max(1, plan.batchesPerEpoch)
    return ((step + perEpoch - 1) / perEpoch, step % perEpoch == 0 || step >= totalSteps)
  }

  /// One optimizer step. A NaN or infinite loss or gradient throws before the parameters
  /// change, so the model keeps its last good state.
  public func step(lambda: Double) throws -> StepRecord {
    precondition(!isFinished, "the phase is finished")
    if cursor >= epochBatches.count {
      epoch += 1
      epochBatches = plan.epoch(epoch)
      cursor = 0
    }
    let batch = plan.batch(epochBatches[cursor])
    cursor += 1
    grads.zero()
    model.dropoutEnabled = true
    model.hiddenDropout = hiddenDropout
    defer {
      model.dropoutEnabled = false
      model.hiddenDropout = 0
    }
    let ce = try model.lossAndGradients(batch, into: grads, dropoutSeed: SeedStream(root: plan.seed).seed(.dropout, step))
    if let observer, let v = model.lora, let ceGradient = grads.lora {
      observer.willStep(adapter: v, lossGradient: ceGradient)
    }
    var modulePenalty: [Double] = []
    var penaltyValue = 0.0
    var ratio: Double? = nil
    if let penalty, let v = model.lora, let ceGradient = grads.lora {
      let strength = try penalty.strength(lambda: lambda)
      // λ_eff ∇P into its own buffer first, to compare its size with ∇CE's, then added.
      penaltyGradient.zero()
      modulePenalty = penalty.evaluate(v, strength: strength, gradient: penaltyGradient)
      penaltyValue = penalty.total(modulePenalty, strength: strength)
      ratio = PenaltyInertness.ratio(
        penaltyGradient: UnsafeBufferPointer(start: penaltyGradient.base, count: penaltyGradient.count),
        ceGradient: UnsafeBufferPointer(start: ceGradient.base, count: ceGradient.count))
      for i in 0..<ceGradient.count { ceGradient[i] += penaltyGradient[i] }
    }
    let norm = optimizer.gradientNorm()
    guard ce.isFinite, penaltyValue.isFinite, norm.isFinite else {
      throw LorascopeError.numerical(
        "stage \(stage) (\(phase.rawValue)) step \(step + 1): loss or gradient is not finite "
          + "(ce \(ce), penalty \(penaltyValue), gradient norm \(norm)); the last good state is kept — "
          + "try a smaller learning rate or λ")
    }
    optimizer.clipGradients(maxNorm: clip)
    let lr = schedule.rate(at: step)
    optimizer.step(learningRate: lr)
    if let observer, let v = model.lora { observer.didStep(adapter: v) }
    step += 1
    return StepRecord(
      stage: stage, phase: phase, step: step, totalSteps: totalSteps, ce: ce, penalty: penaltyValue,
      penaltyGradientRatio: ratio, modulePenalty: modulePenalty, lambda: lambda, lr: Double(lr), gradNorm: norm)
  }
}
