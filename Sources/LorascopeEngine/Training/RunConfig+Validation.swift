/// Up-front checks of a run's settings, so that a bad value read from the command line or from a
/// run directory's config.json is reported by name before any work — never a trap in the middle
/// of training ("Double value cannot be converted to Int", a failed precondition, a 400 GB
/// allocation).
extension RunConfig {
  /// The most epochs one phase may ask for: keeps epochs × batches a representable step count.
  public static let maximumEpochs: Double = 10_000
  /// The largest backbone, in parameters (4 GiB of Float32): the laptop-CPU scope of Docs/Design.md §1.
  public static let maximumBackboneParameters = 1 << 30

  /// The smallest CE temperature: the logits are divided by it in float32, and a tiny one (1e-45
  /// is a positive float) makes them infinite, which surfaced as a non-finite loss blamed on the
  /// learning rate. 1e-3 keeps logits of any trained model far inside float32.
  public static let minimumCETemperature: Float = 1e-3

  /// Throws `LorascopeError.invalidConfiguration` naming the first field out of range.
  public func validate() throws {
    func fail(_ field: String, _ why: String) -> LorascopeError { .invalidConfiguration("\(field) \(why)") }
    guard lambda.isFinite, lambda >= 0 else { throw fail("lambda", "must be a finite number ≥ 0, got \(lambda)") }
    guard lambda <= ProximalStrength.maximumLambda else {
      throw fail("lambda", "must be at most \(ProximalStrength.maximumLambda) (the penalty would overflow float32), got \(lambda)")
    }
    try model.validate()
    let parameters = Self.backboneParameterCount(model)
    guard let parameters, parameters <= Self.maximumBackboneParameters else {
      throw fail("model", "is too large: \(parameters.map { "\($0)" } ?? "more than \(Int.max)") parameters, at most \(Self.maximumBackboneParameters)")
    }
    guard lora.rank >= 1, lora.rank <= model.hiddenSize else {
      throw fail("lora.rank", "must be between 1 and the hidden size \(model.hiddenSize), got \(lora.rank)")
    }
    guard lora.alpha.isFinite, lora.alpha > 0 else { throw fail("lora.alpha", "must be a finite number > 0, got \(lora.alpha)") }
    guard lora.dropout.isFinite, lora.dropout >= 0, lora.dropout < 1 else {
      throw fail("lora.dropout", "must be in [0, 1), got \(lora.dropout)")
    }
    guard !lora.targets.isEmpty, Set(lora.targets).count == lora.targets.count else {
      throw fail("lora.targets", "must name each adapted linear once, got \(lora.targets.map(\.rawValue))")
    }
    try backbone.validate(named: "backbone")
    try adapterWarmStart.validate(named: "adapterWarmStart")
    try adapter.validate(named: "adapter")
    guard ceTemperature.isFinite, ceTemperature >= Self.minimumCETemperature else {
      throw fail("ceTemperature", "must be a finite number ≥ \(Self.minimumCETemperature), got \(ceTemperature)")
    }
    guard maxHistory >= 1, maxHistory < model.maxPositions else {
      throw fail("maxHistory", "must be between 1 and \(model.maxPositions - 1), got \(maxHistory)")
    }
    guard beamWidth >= 1, beamWidth <= 10_000 else { throw fail("beamWidth", "must be between 1 and 10000, got \(beamWidth)") }
    if let evaluationUsers, evaluationUsers < 1 {
      throw fail("evaluationUsers", "must be at least 1 (or absent for all), got \(evaluationUsers)")
    }
  }

  /// Checks that this config can train on `items`: the vocabulary matches and the longest
  /// training window, 1 + levels·(maxHistory + 1) tokens (Docs/Design.md §1), fits the positions.
  public func validate(for items: ItemIndex) throws {
    try validate()
    guard model.vocabSize == items.vocabSize else {
      throw LorascopeError.invalidConfiguration("model vocabulary \(model.vocabSize) != dataset vocabulary \(items.vocabSize)")
    }
    let window = 1 + items.levels * (maxHistory + 1)
    guard window <= model.maxPositions else {
      throw LorascopeError.invalidConfiguration(
        "a training window of \(maxHistory + 1) items × \(items.levels) codes + BOS is \(window) tokens, "
          + "more than the model's \(model.maxPositions) positions")
    }
  }

  /// Embeddings, lm_head and the decoder layers' weights, or nil on overflow.
  static func backboneParameterCount(_ m: ModelConfig) -> Int? {
    func mul(_ a: Int, _ b: Int) -> Int? {
      let (r, o) = a.multipliedReportingOverflow(by: b)
      return o ? nil : r
    }
    guard let table = mul(m.vocabSize, m.hiddenSize), let tables = mul(table, 2),
      let attention = mul(mul(m.hiddenSize, m.hiddenSize) ?? Int.max, 4),
      let mlp = mul(mul(m.hiddenSize, m.intermediateSize) ?? Int.max, 3)
    else { return nil }
    let (perLayer, o1) = attention.addingReportingOverflow(mlp)
    guard !o1, let layers = mul(perLayer, m.numLayers) else { return nil }
    let (total, o2) = tables.addingReportingOverflow(layers)
    return o2 ? nil : total
  }
}

extension PhaseConfig {
  /// Throws `LorascopeError.invalidConfiguration` naming `name.field` for a value out of range.
  public func validate(named name: String) throws {
    func fail(_ field: String, _ why: String) -> LorascopeError { .invalidConfiguration("\(name).\(field) \(why)") }
    guard epochs.isFinite, epochs > 0, epochs <= RunConfig.maximumEpochs else {
      throw fail("epochs", "must be a number > 0 and ≤ \(Int(RunConfig.maximumEpochs)), got \(epochs)")
    }
    guard batchSize >= 1, batchSize <= 1 << 20 else { throw fail("batchSize", "must be between 1 and \(1 << 20), got \(batchSize)") }
    guard learningRate.isFinite, learningRate > 0 else { throw fail("learningRate", "must be a finite number > 0, got \(learningRate)") }
    guard warmupFraction.isFinite, warmupFraction >= 0, warmupFraction <= 1 else {
      throw fail("warmupFraction", "must be in [0, 1], got \(warmupFraction)")
    }
    guard weightDecay.isFinite, weightDecay >= 0 else { throw fail("weightDecay", "must be a finite number ≥ 0, got \(weightDecay)") }
    guard gradientClip.isFinite, gradientClip >= 0 else {
      throw fail("gradientClip", "must be a finite number ≥ 0 (0: no clipping), got \(gradientClip)")
    }
    if let hiddenDropout, !(hiddenDropout.isFinite && hiddenDropout >= 0 && hiddenDropout < 1) {
      throw fail("hiddenDropout", "must be in [0, 1), got \(hiddenDropout)")
    }
  }
}
