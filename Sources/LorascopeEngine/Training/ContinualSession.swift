import Foundation

/// A continual run you can step (Docs/Design.md §2): the object the headless commands and the screen
/// both drive. Call `advance()` until it returns `.finished`; `setLambda` may change λ between
/// calls, and it takes effect at the next optimizer step.
///
/// The session owns λ (Docs/Architecture.md, "λ flow"): `metrics.lambdaHistory` is its only
/// store; `setLambda` validates a new value, logs it to log.jsonl and rewrites metrics.json.
///
/// Stage 0 pretrains the backbone on block 0 (or loads it from the cache) and fits v_0, a short
/// LoRA pass on block 0. Stage t ≥ 1 trains the adapter on block t by the run's method, then
/// evaluates the state on the test users of blocks 0…t and saves the stage.
public final class ContinualSession {
  public enum Event: Sendable {
    case phaseStarted(stage: Int, phase: PhaseTrainer.Phase, steps: Int)
    case backboneLoaded(path: String)
    case step(StepRecord)
    case stageFinished(StageMetrics)
    case finished(RunMetrics)
  }

  public let config: RunConfig
  public let dataset: ContinualDataset
  public let splits: [BlockSplit]
  public let evaluator: ModelEvaluator
  public let runDirectory: RunDirectory?
  public let backboneCache: URL?
  /// λ of Docs/Design.md §2 in force now (read at every step): the last setting of
  /// `metrics.lambdaHistory`.
  public var lambda: Double { metrics.currentLambda }
  /// |L| of the run's adapter (for λ_eff = λ/|L|).
  public let adaptedLinears: Int
  public private(set) var metrics: RunMetrics
  /// The model being trained or evaluated now.
  public private(set) var model: LlamaModel?
  public private(set) var trainer: PhaseTrainer?
  /// The stage being worked on (== blocks when the run is finished).
  public private(set) var stage: Int
  /// v_t of every finished stage (the trainable adapter only).
  public private(set) var adapters: [FloatBuffer] = []
  /// The penalty of the running stage (anchored at v_{t−1}); for methods without one, a
  /// softmax-KL with weight 0 so the screen can still show how far each module moved.
  public private(set) var penalty: ProximalPenalty?
  private var pretrained: FloatBuffer?
  /// Embeddings and lm_head after each finished stage, when the recipe trains them.
  private var embeddingStates: [(embeddings: [Float], lmHead: [Float])] = []
  private var stageStart = Date()
  private var backboneStart = Date()
  private var lastRecord: StepRecord?
  private var pendingLog: [StepRecord] = []
  /// The running stage's per-step penalty gradient ratios and penalties (for StageMetrics).
  private var stageRatios: [Double] = []
  private var stagePenalties: [Double] = []

  public init(config: RunConfig, dataset: ContinualDataset, runDirectory: RunDirectory? = nil,
              backboneCache: URL? = nil, resume: Bool = false, dataSpec: DataSpec? = nil) throws {
    guard dataset.numBlocks >= 2 else {
      throw LorascopeError.invalidDataset(path: dataset.source, entry: nil, reason: "a continual run needs at least 2 blocks, found \(dataset.numBlocks)")
    }
    guard config.model.vocabSize == dataset.items.vocabSize else {
      throw LorascopeError.invalidConfiguration("model vocabulary \(config.model.vocabSize) != dataset vocabulary \(dataset.items.vocabSize)")
    }
    self.config = config
    self.dataset = dataset
    self.splits = try (0..<dataset.numBlocks).map { try dataset.split(block: $0, maxHistory: config.maxHistory) }
    self.evaluator = try ModelEvaluator(items: dataset.items, beamWidth: config.beamWidth)
    self.runDirectory = runDirectory
    self.backboneCache = backboneCache
    try ProximalStrength.validate(lambda: config.lambda)
    adaptedLinears = LoRALayout(config: config.model, lora: config.lora).adaptedLinearCount
    metrics = RunMetrics(method: config.method, lambda: config.lambda, seed: config.seed, blocks: dataset.numBlocks)
    stage = 0
    if let dir = runDirectory {
      var manifest = RunManifest(
        config: config, datasetName: dataset.name, datasetSource: dataset.source,
        datasetFingerprint: dataset.fingerprint, backboneKey: config.backboneKey(datasetFingerprint: dataset.fingerprint),
        data: dataSpec, lorascopeVersion: Lorascope.version)
      if resume, let old = try dir.readManifest() {
        guard old.config == config, old.datasetFingerprint == dataset.fingerprint else {
          throw LorascopeError.usage("\(dir.configURL.path): the run was started with other settings or data; resume it with the same options or use a new --run-dir")
        }
        try restore(from: dir)
        if dataSpec == nil, let spec = old.data { manifest.data = spec }
      } else if !resume, try dir.readMetrics().map({ !$0.stages.isEmpty }) == true {
        throw LorascopeError.usage("\(dir.url.path) already holds a run; pass --resume to continue it or choose another --run-dir")
      }
      try dir.writeManifest(manifest)
    }
  }

  public var isFinished: Bool { stage >= dataset.numBlocks }

  /// One unit of work: start a phase, take one optimizer step, or finish a stage.
  public func advance() throws -> Event {
    if isFinished { return .finished(metrics) }
    if let t = trainer, !t.isFinished {
      let record = try t.step(lambda: currentLambda)
      lastRecord = record
      if t.phase != .backbone {
        if let r = record.penaltyGradientRatio { stageRatios.append(r) }
        stagePenalties.append(record.penalty)
      }
      pendingLog.append(record)
      if pendingLog.count >= 50 { try flushLog() }
      return .step(record)
    }
    if let t = trainer, t.isFinished {
      trainer = nil
      switch t.phase {
      case .backbone:
        try finishBackbone()
      case .adapterWarmStart, .adapter:
        return .stageFinished(try finishStage())
      }
    }
    return try beginNextPhase()
  }

  /// Runs the remaining work to the end, reporting each event.
  @discardableResult
  public func run(onEvent: (Event) -> Void = { _ in }) throws -> RunMetrics {
    while true {
      let e = try advance()
      onEvent(e)
      if case .finished(let m) = e { return m }
    }
  }

  /// Steps until the current stage is finished and evaluated.
  public func finishCurrentStage(onEvent: (Event) -> Void = { _ in }) throws {
    let target = stage
    while !isFinished && stage == target {
      onEvent(try advance())
    }
  }

  private var currentLambda: Double { config.method.usesLambda ? lambda : 0 }

  /// λ now, with the adapter's |L|: what the penalty and the spectrum weigh with.
  public var strength: ProximalStrength {
    // Every λ in the history was validated (setLambda, init, RunMetrics decoding); |L| ≥ 1.
    ProximalStrength(validatedLambda: lambda, adaptedLinears: adaptedLinears)
  }

  /// Sets λ from the next optimizer step on (Docs/Design.md §2, §6): checks it (finite, ≥ 0),
  /// writes a `{"event":"lambda",…}` line to log.jsonl and adds the setting, with its stage and
  /// step, to metrics.json's `lambda_history`. Returns false when λ is already `value`.
  @discardableResult
  public func setLambda(_ value: Double) throws -> Bool {
    try ProximalStrength.validate(lambda: value)
    let old = lambda
    guard value != old else { return false }
    let setting = LambdaSetting(stage: stage, step: trainer?.step ?? 0, lambda: value)
    metrics.lambdaHistory.append(setting)
    try flushLog()
    try runDirectory?.appendLog([LambdaChange(stage: setting.stage, step: setting.step, from: old, to: value)])
    try runDirectory?.writeMetrics(metrics)
    return true
  }

  // MARK: - Phases

  private func beginNextPhase() throws -> Event {
    if stage == 0 {
      if pretrained == nil {
        if let loaded = try loadCachedBackbone() { return loaded }
        return try startBackbonePretraining()
      }
      return try startAdapterPhase(stage: 0)
    }
    return try startAdapterPhase(stage: stage)
  }

  private func loadCachedBackbone() throws -> Event? {
    guard let dir = backboneDirectory, FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path) else { return nil }
    let m = try ModelCheckpoint.readBackbone(from: dir)
    guard m.config == config.model else { return nil }
    pretrained = m.weights.clone()
    try runDirectory?.linkBackbone(to: dir)
    return .backboneLoaded(path: dir.path)
  }

  private func startBackbonePretraining() throws -> Event {
    // The backbone stands in for the pretrained LLM: it is pretrained with plain CE whatever the
    // continual recipe, so runs of both recipes share it (and its cache key).
    let m = try LlamaModel(config: config.model, seed: config.seed)
    model = m
    let plan = BatchPlan(pairs: trainingPairs(block: 0), batchSize: config.backbone.batchSize, seed: config.seed &+ 1)
    let t = PhaseTrainer(stage: 0, phase: .backbone, model: m, plan: plan, config: config.backbone, backbone: .all, penalty: nil)
    trainer = t
    backboneStart = Date()
    return .phaseStarted(stage: 0, phase: .backbone, steps: t.totalSteps)
  }

  private func finishBackbone() throws {
    guard let m = model else { return }
    pretrained = m.weights.clone()
    metrics.backboneSeconds = Date().timeIntervalSince(backboneStart)
    if let dir = backboneDirectory {
      try ModelCheckpoint.writeBackbone(m, to: dir)
      try runDirectory?.linkBackbone(to: dir)
    }
    try flushLog()
  }

  /// The cache directory of this run's backbone, keyed by what stage 0 depends on.
  public var backboneDirectory: URL? {
    backboneCache?.appendingPathComponent(config.backboneKey(datasetFingerprint: dataset.fingerprint))
  }

  private func startAdapterPhase(stage t: Int) throws -> Event {
    let m = try baseModel(stage: t, embeddingsOfStage: t - 1)
    let loraLayout = LoRALayout(config: config.model, lora: config.lora)
    if t == 0 || (config.method.isCumulative && !config.inherit) {
      m.attachLoRA(config.lora, seed: config.seed &+ 1000 &+ UInt64(t))
    } else {
      m.attachLoRA(config.lora, values: adapters[t - 1].clone())
    }
    model = m
    stageStart = Date()
    stageRatios = []
    stagePenalties = []

    // The anchor v_{t−1}; a zero-weight softmax-KL for methods without a penalty (display only).
    if t >= 1 {
      let anchor = adapters[t - 1]
      let kind = config.method.penaltyKind ?? .softmaxKL
      var fisher: [Float]? = nil
      if kind == .diagonalFisher {
        // The Fisher is taken at the end of stage t−1: at v_{t−1}, on block t−1.
        let probe = m.copy()
        probe.attachLoRA(config.lora, values: anchor.clone())
        fisher = try DiagonalFisher.estimate(model: probe, sequences: Array(trainingPairs(block: t - 1).prefix(512)))
      }
      penalty = ProximalPenalty(
        kind: kind, layout: loraLayout, anchor: anchor, fisher: fisher, precision: config.penaltyPrecision ?? .exact)
    } else {
      penalty = nil
    }

    let phase: PhaseTrainer.Phase = t == 0 ? .adapterWarmStart : .adapter
    let steps: PhaseConfig = t == 0 ? config.adapterWarmStart : config.adapter
    var phaseConfig = steps
    if config.method == .frozen && t >= 1 { phaseConfig.epochs = 0 }
    let plan = BatchPlan(pairs: trainingPairs(block: t), batchSize: phaseConfig.batchSize, seed: stageSeed(t))
    let trainer = PhaseTrainer(
      stage: t, phase: phase, model: m, plan: plan, config: phaseConfig,
      backbone: config.trainEmbeddings ? .embeddingsAndHead : .frozen, penalty: penalty)
    if config.method == .frozen && t >= 1 {
      // Nothing trains: finish at once with the state of stage 0.
      return .stageFinished(try finishStage())
    }
    self.trainer = trainer
    return .phaseStarted(stage: t, phase: phase, steps: trainer.totalSteps)
  }

  private func finishStage() throws -> StageMetrics {
    guard let m = model, let v = m.lora else { throw LorascopeError.usage("no adapter to finish") }
    let t = stage
    try flushLog()
    let trainSeconds = Date().timeIntervalSince(stageStart)
    adapters.append(v.clone())
    if config.trainEmbeddings {
      let n = config.model.vocabSize * config.model.hiddenSize
      embeddingStates.append((m.weights.slice(m.layout.embedding, n), m.weights.slice(m.layout.lmHead, n)))
    }
    let evalStart = Date()
    var perBlock: [RankingMetrics] = []
    for j in 0...t {
      perBlock.append(try evaluator.rankingMetrics(model: m, examples: evaluationExamples(block: j)))
    }
    let validCE = try evaluator.validationCrossEntropy(model: m, examples: splits[t].valid)
    let result = StageMetrics(
      stage: t, own: perBlock[t], perBlock: perBlock, validationCE: validCE,
      trainSteps: lastRecord?.stage == t ? lastRecord!.step : 0, trainSeconds: trainSeconds,
      evaluationSeconds: Date().timeIntervalSince(evalStart),
      finalCE: lastRecord?.stage == t ? lastRecord!.ce : nil, finalPenalty: lastRecord?.stage == t ? lastRecord!.penalty : nil,
      penaltyGradientRatio: stageRatios.isEmpty ? nil : LambdaGuidance.quantile(of: stageRatios.sorted(), at: 0.5),
      penaltyNats: penalty == nil || stagePenalties.isEmpty ? nil : stagePenalties.reduce(0, +) / Double(stagePenalties.count))
    metrics.stages.append(result)
    if let dir = runDirectory {
      let stageDir = dir.stageURL(t)
      try ModelCheckpoint.writeAdapter(
        layout: m.loraLayout!, values: v, embeddingsFrom: config.trainEmbeddings ? m : nil,
        baseModelPath: backboneDirectory?.path ?? "backbone", to: stageDir)
      try dir.writeMetrics(metrics)
    }
    stage += 1
    return result
  }

  /// The model state after finished stage t: the backbone (with merged frozen past adapters
  /// for cumulative methods, and that stage's embeddings when they train) plus v_t.
  public func model(afterStage t: Int) throws -> LlamaModel {
    guard t >= 0, t < adapters.count else {
      throw LorascopeError.usage("stage \(t) is not finished; finished stages: 0..<\(adapters.count)")
    }
    let m = try baseModel(stage: t, embeddingsOfStage: t)
    m.attachLoRA(config.lora, values: adapters[t].clone())
    return m
  }

  /// The model stage t trains on, without an adapter: the pretrained backbone, with the
  /// frozen past adapters merged for cumulative methods (all of stages < t, or stage t − 1's),
  /// and the embeddings and lm_head of finished stage `e` when the recipe trains them (the
  /// anchor's for training stage t, e = t − 1; the stage's own for the state after it, e = t).
  /// Frozen and single-adapter methods keep the plain backbone.
  func baseModel(stage t: Int, embeddingsOfStage e: Int) throws -> LlamaModel {
    guard let base = pretrained else { throw LorascopeError.usage("the backbone is not loaded") }
    let m = try LlamaModel(config: config.model, seed: config.seed)
    m.ceTemperature = config.ceTemperature
    m.weights.copy(from: base)
    if config.method.isCumulative && t >= 1 {
      let layout = LoRALayout(config: config.model, lora: config.lora)
      let past = config.method == .cumulativeAll ? Array(adapters[0..<t]) : [adapters[t - 1]]
      CumulativeAdapters.mergePast(into: m, base: base, past: past, layout: layout, normalize: config.normalizePastAdapters)
    }
    if e >= 0 && e < embeddingStates.count {
      m.weights.write(embeddingStates[e].embeddings, at: m.layout.embedding)
      m.weights.write(embeddingStates[e].lmHead, at: m.layout.lmHead)
    }
    return m
  }

  // MARK: - Data

  private var pairCache: [Int: [(inputs: [Int32], targets: [Int32])]] = [:]

  /// Token pairs of block b's training sequences.
  public func trainingPairs(block b: Int) -> [(inputs: [Int32], targets: [Int32])] {
    if let p = pairCache[b] { return p }
    let p = splits[b].train.map { TokenSequence.trainingPair(for: $0, itemIndex: dataset.items) }
    pairCache[b] = p
    return p
  }

  /// Block j's test users, a seeded subset of `config.evaluationUsers` when the block is larger.
  public func evaluationExamples(block j: Int) -> [EvaluationExample] {
    let all = splits[j].test
    guard let cap = config.evaluationUsers, all.count > cap else { return all }
    var rng = SeededRNG(seed: config.seed &+ 31 &* UInt64(j + 1))
    var idx = Array(all.indices)
    idx.shuffle(using: &rng)
    return idx.prefix(cap).sorted().map { all[$0] }
  }

  private func flushLog() throws {
    guard !pendingLog.isEmpty else { return }
    try runDirectory?.appendLog(pendingLog)
    pendingLog.removeAll()
  }

  /// Makes sure every step so far is on disk.
  public func flush() throws { try flushLog() }

  // MARK: - Resume

  private func restore(from dir: RunDirectory) throws {
    guard let saved = try dir.readMetrics() else { return }
    var restored: [StageMetrics] = []
    for s in saved.stages {
      let url = dir.stageURL(s.stage)
      guard FileManager.default.fileExists(atPath: url.appendingPathComponent("adapter_model.safetensors").path) else { break }
      let a = try ModelCheckpoint.readAdapter(from: url, config: config.model)
      adapters.append(a.values)
      if let e = a.embeddings, let h = a.lmHead { embeddingStates.append((e, h)) }
      restored.append(s)
    }
    metrics.stages = restored
    metrics.backboneSeconds = saved.backboneSeconds
    stage = restored.count
    // λ settings of finished stages carry on; those of the stage being retrained are dropped
    // with its log lines (the stage restarts at the λ in force when it began).
    metrics.lambdaHistory = saved.lambdaHistory(before: stage)
    // The unfinished stage is retrained from its start: drop its lines so none repeat.
    try dir.truncateLog(keepingStagesBelow: stage)
    if stage > 0 {
      if let loaded = try loadCachedBackbone(), case .backboneLoaded = loaded {} else {
        throw LorascopeError.io("cannot resume: the cached backbone \(backboneDirectory?.path ?? "?") is missing; rerun without --resume")
      }
    }
  }
}

/// A log.jsonl line recording a change of λ.
public struct LambdaChange: Codable, Sendable {
  public var event = "lambda"
  public var stage: Int
  public var step: Int
  public var from: Double
  public var to: Double
}

/// Version information shown by `lorascope --version` and saved with every run.
public enum Lorascope {
  public static let version = "0.1.0"
}
