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
    /// Backbone pretraining finished an epoch: its block-0 validation CE and the best epoch so far.
    case backboneEpoch(epoch: Int, validationCE: Double, bestEpoch: Int)
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
  /// Take a finished stage 0 from the cache when it holds one for these settings, and publish
  /// stage 0 there when it is trained here (`StageZeroCache`; needs `backboneCache`).
  public let reuseStageZero: Bool
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
  /// Per finished stage t, the per-user ranks of blocks 0…t (ranks.json); nil once a resumed run
  /// lacks them for an earlier stage (a run directory from before ranks were recorded).
  public private(set) var ranks: RunRanks? = RunRanks(stages: [])
  /// The penalty of the running stage (anchored at v_{t−1}); for methods without one, a
  /// softmax-KL with weight 0 so the screen can still show how far each module moved.
  public private(set) var penalty: (any AdapterPenalty)?
  /// The metric of the running stage at v_{t−1} (the screen's spectrum).
  public private(set) var anchorMetric: (any AnchorMetric)?
  /// The method's hook on the running stage's steps, if it has one (Docs/Design.md §2).
  private var stageObserver: (any TrainingStepObserver)?
  /// The method's state kept after each finished stage, as read or made (`methodState(afterStage:)`).
  private var methodStates: [Int: MethodState] = [:]
  private var pretrained: FloatBuffer?
  /// Embeddings and lm_head after each finished stage, when the recipe trains them.
  private var embeddingStates: [(embeddings: [Float], lmHead: [Float])] = []
  private var stageStart = Date()
  /// The adapter stage t started from, kept only when embeddings train (Docs/Math.md §48).
  private var stageStartAdapter: FloatBuffer?
  private var backboneStart = Date()
  private var lastRecord: StepRecord?
  private var pendingLog: [StepRecord] = []
  /// The running stage's per-step penalty gradient ratios and penalties (for StageMetrics).
  private var stageRatios: [Double] = []
  private var stagePenalties: [Double] = []
  /// The backbone's validation CE per epoch and its best weights (Docs/Design.md §2).
  private var backboneSelection = BackboneSelection()
  /// What happened to the cache that the user should know but that does not stop the run: an
  /// entry discarded as incomplete or damaged, a copy that could not be written. The cache is an
  /// optimisation, so none of these fails a run.
  public private(set) var cacheNotices: [String] = []
  /// Receives each cache notice as it happens; nil prints it to standard error. The screen sets
  /// it, since a line on standard error would tear the terminal it draws.
  public var onCacheNotice: ((String) -> Void)?
  /// An event to report at the next `advance()` before any work (the end of a backbone epoch).
  private var pendingEvent: Event?
  /// The warm start's log lines, kept for publishing stage 0 (only with `reuseStageZero`).
  private var stageZeroLog: [StepRecord] = []

  public init(config: RunConfig, dataset: ContinualDataset, runDirectory: RunDirectory? = nil,
              backboneCache: URL? = nil, resume: Bool = false, dataSpec: DataSpec? = nil,
              reuseStageZero: Bool = false) throws {
    guard dataset.numBlocks >= 2 else {
      throw LorascopeError.invalidDataset(path: dataset.source, entry: nil, reason: "a continual run needs at least 2 blocks, found \(dataset.numBlocks)")
    }
    try config.validate(for: dataset.items)
    self.config = config
    self.dataset = dataset
    self.splits = try (0..<dataset.numBlocks).map { try dataset.split(block: $0, maxHistory: config.maxHistory) }
    self.evaluator = try ModelEvaluator(items: dataset.items, beamWidth: config.beamWidth)
    self.runDirectory = runDirectory
    self.backboneCache = backboneCache
    // A method that keeps state from training must see its own stage 0's steps.
    self.reuseStageZero = reuseStageZero && backboneCache != nil && !config.method.definition.keepsStateFromTraining
    try ProximalStrength.validate(lambda: config.lambda)
    adaptedLinears = LoRALayout(config: config.model, lora: config.lora).adaptedLinearCount
    metrics = RunMetrics(method: config.method, lambda: config.lambda, seed: config.seed, blocks: dataset.numBlocks)
    stage = 0
    if let dir = runDirectory {
      if dir.isReadOnly {
        try openForInspection(dir)
      } else {
        try openForWriting(dir, resume: resume, dataSpec: dataSpec)
      }
    }
  }

  /// Checks that `dir` holds a run of this config and data (Docs/Design.md §6).
  private func requireMatchingManifest(_ old: RunManifest, in dir: RunDirectory) throws {
    guard old.config == config, old.datasetFingerprint == dataset.fingerprint else {
      throw LorascopeError.usage("\(dir.configURL.path): the run was started with other settings or data; resume it with the same options or use a new --run-dir")
    }
  }

  /// Reads the finished stages of `dir` without writing anything (`spectrum`, `export`, `verify`).
  private func openForInspection(_ dir: RunDirectory) throws {
    guard let old = try dir.readManifest() else {
      throw LorascopeError.usage("\(dir.url.path) is not a run directory (no config.json)")
    }
    try requireMatchingManifest(old, in: dir)
    try restoreFinishedStages(from: dir)
  }

  /// Starts a new run in `dir` or resumes the one it holds. A directory with results but without
  /// config.json or metrics.json is refused rather than silently retrained from stage 0.
  private func openForWriting(_ dir: RunDirectory, resume: Bool, dataSpec: DataSpec?) throws {
    var manifest = RunManifest(
      config: config, datasetName: dataset.name, datasetSource: dataset.source,
      datasetFingerprint: dataset.fingerprint, backboneKey: config.backboneKey(datasetFingerprint: dataset.fingerprint),
      data: dataSpec, lorascopeVersion: Lorascope.version)
    let old = try dir.readManifest()
    let hasMetrics = FileManager.default.fileExists(atPath: dir.metricsURL.path)
    let stageDirectories = Self.stageDirectoryNames(in: dir)
    if old == nil, hasMetrics || !stageDirectories.isEmpty {
      throw LorascopeError.usage(
        "\(dir.configURL.path) is missing but \(dir.url.path) holds a run's results; it cannot be resumed or reused — choose another --run-dir")
    }
    if !hasMetrics, let first = stageDirectories.first {
      throw LorascopeError.usage(
        "\(dir.metricsURL.path) is missing but \(dir.url.appendingPathComponent("stages/\(first)").path) exists; "
          + "the run cannot be resumed without its metrics — choose another --run-dir")
    }
    if resume, let old {
      try requireMatchingManifest(old, in: dir)
      try restoreFinishedStages(from: dir)
      if dataSpec == nil, let spec = old.data { manifest.data = spec }
    } else if !resume, try dir.readMetrics().map({ !$0.stages.isEmpty }) == true {
      throw LorascopeError.usage("\(dir.url.path) already holds a run; pass --resume to continue it or choose another --run-dir")
    }
    // The unfinished stage is retrained from its start: drop its lines (those of a backbone
    // pretraining killed before stage 0 finished included) so none repeat.
    try dir.truncateLog(keepingStagesBelow: stage)
    if stage > 0 { try requireCachedBackbone() }
    try dir.writeManifest(manifest)
    // The cache is shared by concurrent runs: only entries of processes that are gone are stale.
    if let cache = backboneCache { StaleTemporaryFiles.remove(in: cache, holdingWriterLock: false) }
  }

  /// The names of the `stages/stage_<t>` directories present in `dir`, in stage order.
  private static func stageDirectoryNames(in dir: RunDirectory) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("stages").path)) ?? []
    return names.compactMap { name -> (Int, String)? in
      guard name.hasPrefix("stage_"), let t = Int(name.dropFirst("stage_".count)) else { return nil }
      return (t, name)
    }.sorted { $0.0 < $1.0 }.map(\.1)
  }

  public var isFinished: Bool { stage >= dataset.numBlocks }

  /// One unit of work: start a phase, take one optimizer step, or finish a stage.
  public func advance() throws -> Event {
    if isFinished { return .finished(metrics) }
    if let event = pendingEvent {
      pendingEvent = nil
      return event
    }
    if let t = trainer, !t.isFinished {
      let record = try t.step(lambda: currentLambda)
      lastRecord = record
      if t.phase == .backbone, t.epochOfLastStep.ended { pendingEvent = try selectBackboneEpoch(t) }
      if t.phase != .backbone {
        if let r = record.penaltyGradientRatio { stageRatios.append(r) }
        stagePenalties.append(record.penalty)
      }
      pendingLog.append(record)
      if reuseStageZero && t.phase == .adapterWarmStart { stageZeroLog.append(record) }
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

  /// Every random stream of the run, derived from `config.seed` (Docs/Math.md §39).
  public var seeds: SeedStream { SeedStream(root: config.seed) }

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
      if reuseStageZero, let reused = try reuseCachedStageZero() { return reused }
      return try startAdapterPhase(stage: 0)
    }
    return try startAdapterPhase(stage: stage)
  }

  private func loadCachedBackbone() throws -> Event? {
    guard let dir = backboneDirectory else { return nil }
    let state = BackboneCachePublisher.check(dir)
    guard try usableCacheEntry(dir, state: state) else { return nil }
    let m: LlamaModel
    do {
      m = try ModelCheckpoint.readBackbone(from: dir)
    } catch {
      // An entry from before checksums that does not load is as good as damaged.
      guard case .unverified = state else { throw error }
      _ = try usableCacheEntry(dir, state: .damaged(Self.describe(error)))
      return nil
    }
    if case .unverified = state, mayRepairCache {
      // It loaded: vouch for it from now on (best effort; the cache is an optimisation).
      try? CacheEntryChecksums.record(dir)
    }
    guard m.config == config.model else { return nil }
    pretrained = m.weights.clone()
    if let run = runDirectory, !run.isReadOnly { try run.keepBackbone(m) }
    return .backboneLoaded(path: dir.path)
  }

  private func startBackbonePretraining() throws -> Event {
    // The backbone stands in for the pretrained LLM: it is pretrained with plain CE whatever the
    // continual recipe, so runs of both recipes share it (and its cache key).
    let m = try LlamaModel(config: config.model, seed: seeds.seed(.backboneInitialization))
    model = m
    let plan = BatchPlan(pairs: trainingPairs(block: 0), batchSize: config.backbone.batchSize, seed: seeds.seed(.backboneBatchOrder))
    let t = PhaseTrainer(stage: 0, phase: .backbone, model: m, plan: plan, config: config.backbone, backbone: .all, penalty: nil)
    trainer = t
    backboneStart = Date()
    return .phaseStarted(stage: 0, phase: .backbone, steps: t.totalSteps)
  }

  /// Scores the epoch just finished on block 0's validation examples and keeps the best weights;
  /// stops pretraining after `BackboneSelection.patience` epochs without a new best.
  private func selectBackboneEpoch(_ t: PhaseTrainer) throws -> Event {
    let ce = try evaluator.validationCrossEntropy(model: t.model, examples: BackboneSelection.examples(splits[0].valid))
    if backboneSelection.record(ce, weights: { t.model.weights.clone() }) { t.stop() }
    return .backboneEpoch(epoch: t.epochOfLastStep.epoch, validationCE: ce, bestEpoch: backboneSelection.bestEpoch)
  }

  private func finishBackbone() throws {
    guard let m = model else { return }
    if backboneSelection.mustRestore, let best = backboneSelection.bestWeights {
      m.weights.copy(from: best)
    }
    metrics.backboneValidationCE = backboneSelection.validationCE
    metrics.backboneBestEpoch = backboneSelection.bestEpoch
    pretrained = m.weights.clone()
    metrics.backboneSeconds = Date().timeIntervalSince(backboneStart)
    if let dir = backboneDirectory {
      // Concurrent jobs of a sweep may race to build the same entry: the first complete copy wins.
      do {
        try BackboneCachePublisher.publish(m, to: dir)
      } catch {
        cacheNotice(
          "caution: cannot write the backbone to the cache (\(Self.describe(error))); the run goes on "
            + "with its own copy in the run directory")
      }
    }
    if let run = runDirectory, !run.isReadOnly { try run.keepBackbone(m) }
    try flushLog()
  }

  /// Whether a cache entry in `state` can be used. An incomplete or damaged one is discarded
  /// (and the caller rebuilds it), with a notice saying so: it must never poison later runs.
  ///
  /// An inspecting session (a read-only run directory: spectrum, export, verify) writes nothing,
  /// in the cache either: it reports such an entry as an error naming it instead.
  private func usableCacheEntry(_ entry: URL, state: CacheEntryPublisher.State) throws -> Bool {
    switch state {
    case .absent: return false
    case .valid, .unverified: return true
    case .incomplete(let why), .damaged(let why):
      let kind = if case .incomplete = state { "incomplete" } else { "damaged" }
      guard mayRepairCache else {
        throw LorascopeError.invalidFile(
          path: entry.path, reason: "the cache entry is \(kind) (\(why)); a `lorascope run` with the run's settings rebuilds it")
      }
      do {
        try CacheEntryPublisher.discard(entry)
        cacheNotice("discarded the \(kind) cache entry \(entry.path) (\(why)); rebuilding it")
      } catch {
        cacheNotice("caution: the cache entry \(entry.path) is \(kind) (\(why)) and \(Self.describe(error)); this run does not use it")
      }
      return false
    }
  }

  /// Whether this session may discard or repair cache entries: not when it only inspects a run.
  private var mayRepairCache: Bool { !(runDirectory?.isReadOnly ?? false) }

  private func cacheNotice(_ text: String) {
    cacheNotices.append(text)
    if let onCacheNotice {
      onCacheNotice(text)
    } else {
      StandardStreams.writeError("lorascope: \(text)\n")
    }
  }

  private static func describe(_ error: Error) -> String {
    (error as? LorascopeError)?.description ?? error.localizedDescription
  }

  /// The cache directory of this run's backbone, keyed by what stage 0 depends on.
  public var backboneDirectory: URL? {
    backboneCache?.appendingPathComponent(config.backboneKey(datasetFingerprint: dataset.fingerprint))
  }

  private func startAdapterPhase(stage t: Int) throws -> Event {
    stageStart = Date()
    stageRatios = []
    stagePenalties = []
    let trainer: PhaseTrainer
    if t == 0 {
      // v_0: a new adapter warmed up on block 0, nothing to anchor to.
      let m = try baseModel(stage: 0, embeddingsOfStage: -1)
      m.attachLoRA(config.lora, seed: seeds.seed(.adapterInitialization, 0))
      model = m
      penalty = nil
      anchorMetric = nil
      trainer = PhaseTrainer(
        stage: 0, phase: .adapterWarmStart, model: m,
        plan: BatchPlan(pairs: trainingPairs(block: 0), batchSize: config.adapterWarmStart.batchSize, seed: stageSeed(0)),
        config: config.adapterWarmStart, backbone: config.trainEmbeddings ? .embeddingsAndHead : .frozen, penalty: nil)
    } else {
      let setup = try stageSetup(t)
      model = setup.model
      penalty = setup.penalty
      anchorMetric = setup.metric
      trainer = setup.trainer(on: setup.model)
      stageStartAdapter = config.trainEmbeddings ? setup.model.lora?.clone() : nil
      if !config.method.definition.trainsAfterBlockZero {
        // Nothing trains: finish at once with the state of stage 0.
        stageObserver = nil
        return .stageFinished(try finishStage())
      }
    }
    stageObserver = try config.method.definition.trainingObserver(methodStage(t))
    trainer.observer = stageObserver
    self.trainer = trainer
    return .phaseStarted(stage: t, phase: trainer.phase, steps: trainer.totalSteps)
  }

  private func finishStage() throws -> StageMetrics {
    guard let m = model, let v = m.lora, let layout = m.loraLayout else { throw LorascopeError.usage("no adapter to finish") }
    let t = stage
    try flushLog()
    let trainSeconds = Date().timeIntervalSince(stageStart)
    adapters.append(v.clone())
    if config.trainEmbeddings {
      let n = config.model.vocabSize * config.model.hiddenSize
      embeddingStates.append((m.weights.slice(m.layout.embedding, n), m.weights.slice(m.layout.lmHead, n)))
    }
    let ownRecord = lastRecord.flatMap { $0.stage == t ? $0 : nil }
    let evalStart = Date()
    // A frozen stage after 0 scores stage t − 1's exact state on the same seeded users, so
    // blocks 0…t − 1 rank as they did then: carry those ranks over and decode only block t.
    let carried = !config.method.definition.trainsAfterBlockZero && t >= 1 ? ranks?.stages.last.flatMap { $0.count == t ? $0 : nil } : nil
    var blockRanks = carried ?? []
    for j in blockRanks.count...t {
      blockRanks.append(try evaluator.exampleRanks(model: m, examples: evaluationExamples(block: j)))
    }
    let perBlock = blockRanks.map(\.metrics)
    ranks?.stages.append(blockRanks)
    let validCE = try evaluator.validationCrossEntropy(model: m, examples: splits[t].valid)
    var result = StageMetrics(
      stage: t, own: perBlock[t], perBlock: perBlock, validationCE: validCE,
      trainSteps: ownRecord?.step ?? 0, trainSeconds: trainSeconds,
      evaluationSeconds: Date().timeIntervalSince(evalStart),
      finalCE: ownRecord?.ce, finalPenalty: ownRecord?.penalty,
      penaltyGradientRatio: stageRatios.isEmpty ? nil : Quantile.of(sorted: stageRatios.sorted(), at: 0.5),
      penaltyNats: penalty == nil || stagePenalties.isEmpty ? nil : stagePenalties.reduce(0, +) / Double(stagePenalties.count))
    result.baselineCE = baselineCrossEntropy(block: t)
    try recordCountingBaselines(of: &result)
    result.changeShare = try measureChangeShare(stage: t, finished: m, start: stageStartAdapter, newCE: validCE)
    stageStartAdapter = nil
    metrics.stages.append(result)
    let state = try config.method.definition.stateAfterStage(methodStage(t), observer: stageObserver)
    stageObserver = nil
    if let state { methodStates[t] = state }
    if let dir = runDirectory {
      let stageDir = dir.stageURL(t)
      try ModelCheckpoint.writeAdapter(
        layout: layout, values: v, embeddingsFrom: config.trainEmbeddings ? m : nil,
        baseModelPath: backboneDirectory?.path ?? "backbone", to: stageDir)
      try state?.write(to: stageDir)
      // ranks.json before metrics.json: a stage metrics.json lists always has its ranks.
      if let ranks { try dir.writeRanks(ranks) }
      try dir.writeMetrics(metrics)
    }
    if t == 0 && reuseStageZero { try publishStageZero(result, model: m, layout: layout, values: v) }
    stage += 1
    return result
  }

  /// The model state after finished stage t: the backbone (with merged frozen past adapters
  /// for cumulative methods, and that stage's embeddings when they train) plus v_t.
  public func model(afterStage t: Int) throws -> LlamaModel {
    guard t >= 0, t < adapters.count else {
      if adapters.isEmpty, let dir = runDirectory, !FileManager.default.fileExists(atPath: dir.metricsURL.path) {
        throw LorascopeError.usage(
          "stage \(t) is not finished: \(dir.metricsURL.path) is missing, so no stage of this run is recorded as finished "
            + "(it was stopped before stage 0 ended, or the file was removed); resume the run with `lorascope run --resume`")
      }
      let finished = adapters.isEmpty ? "none" : "0…\(adapters.count - 1)"
      throw LorascopeError.usage("stage \(t) is not finished; finished stages: \(finished)")
    }
    let m = try baseModel(stage: t, embeddingsOfStage: t)
    m.attachLoRA(config.lora, values: adapters[t].clone())
    return m
  }

  /// The model stage t trains on, without an adapter: the pretrained backbone, with the
  /// frozen past adapters merged for methods that keep them (`frozenPastStages`: all of stages
  /// < t, or stage t − 1's), and the embeddings and lm_head of finished stage `e` when the
  /// recipe trains them (the anchor's for training stage t, e = t − 1; the stage's own for the
  /// state after it, e = t). Frozen and single-adapter methods keep the plain backbone.
  func baseModel(stage t: Int, embeddingsOfStage e: Int) throws -> LlamaModel {
    guard let base = pretrained else { throw LorascopeError.usage("the backbone is not loaded") }
    let m = try LlamaModel(config: config.model, seed: seeds.seed(.backboneInitialization))
    m.ceTemperature = config.ceTemperature
    m.weights.copy(from: base)
    let method = config.method.definition
    let pastStages = method.frozenPastStages(before: t)
    if !pastStages.isEmpty {
      let layout = LoRALayout(config: config.model, lora: config.lora)
      CumulativeAdapters.mergePast(
        into: m, base: base, past: Array(adapters[pastStages]), layout: layout, normalize: method.normalizesPastAdapters(config))
    }
    if e >= 0 && e < embeddingStates.count {
      m.weights.write(embeddingStates[e].embeddings, at: m.layout.embedding)
      m.weights.write(embeddingStates[e].lmHead, at: m.layout.lmHead)
    }
    return m
  }

  // MARK: - The method's state

  /// What a method definition reads about stage t (its model at v_{t−1} only when asked for).
  private func methodStage(_ t: Int) -> MethodStage {
    MethodStage(stage: t, session: self) {
      let m = try self.baseModel(stage: t, embeddingsOfStage: t - 1)
      m.attachLoRA(self.config.lora, values: self.adapters[t - 1].clone())
      return m
    }
  }

  /// The method's state kept after finished stage s (Docs/Design.md §2): made by this session,
  /// or read from the run directory (a resumed or inspected run); nil when it kept none.
  func methodState(afterStage s: Int) throws -> MethodState? {
    if let state = methodStates[s] { return state }
    guard let dir = runDirectory, s >= 0, s < adapters.count, let state = try MethodState.read(from: dir.stageURL(s)) else {
      return nil
    }
    methodStates[s] = state
    return state
  }

  // MARK: - Data

  private var pairCache: [Int: [TrainingPair]] = [:]

  /// Token pairs of block b's training sequences.
  public func trainingPairs(block b: Int) -> [TrainingPair] {
    if let p = pairCache[b] { return p }
    let p = splits[b].train.map { TokenSequence.trainingPair(for: $0, itemIndex: dataset.items) }
    pairCache[b] = p
    return p
  }

  /// Block j's test users, a seeded subset of `config.evaluationUsers` when the block is larger.
  public func evaluationExamples(block j: Int) -> [EvaluationExample] {
    EvaluationUsers.select(splits[j].test, cap: config.evaluationUsers, block: j, seeds: seeds)
  }

  private func flushLog() throws {
    guard !pendingLog.isEmpty else { return }
    try runDirectory?.appendLog(pendingLog)
    pendingLog.removeAll()
  }

  /// Makes sure every step so far is on disk.
  public func flush() throws { try flushLog() }

  /// The code-frequency baseline of block `t`'s validation CE (Docs/Math.md §43).
  func baselineCrossEntropy(block t: Int) -> Double {
    CodeFrequencyBaseline.crossEntropy(train: splits[t].train, valid: splits[t].valid, items: dataset.items)
  }

  /// The counts of the last stage whose counting baselines were scored (`recordCountingBaselines`).
  private var countingBaselineCounts: CountingBaselineCounts?

  /// Scores the counting baselines of stage `stage.stage` — the train lists of blocks 0…t, the
  /// stage's own test users, the beam's list length (Docs/Math.md §44) — into its metrics, and
  /// their per-user ranks into `ranks` (ranks.json) for paired intervals against the model.
  private func recordCountingBaselines(of stage: inout StageMetrics) throws {
    let t = stage.stage
    var counts = countingBaselineCounts.flatMap { $0.fittedBlocks <= t ? $0 : nil }
      ?? CountingBaselineCounts(itemCount: dataset.items.numItems)
    try counts.fit(dataset, through: t)
    countingBaselineCounts = counts
    let ranker = CountingBaselineRanker(counts: counts, items: dataset.items, listLength: config.beamWidth)
    let baselineRanks = ranker.ranks(examples: evaluationExamples(block: t))
    stage.baselines = baselineRanks.metrics
    if ranks?.baselines?.count == t { ranks?.baselines?.append(baselineRanks) } else { ranks?.baselines = nil }
  }

  // MARK: - Stage-0 reuse (Docs/Architecture.md, "Stage-0 reuse")

  private var stageZeroKey: String { config.stageZeroKey(datasetFingerprint: dataset.fingerprint) }

  /// Finishes stage 0 from the cache: v_0 (and its embeddings), its metrics, ranks and log lines,
  /// copied into the run directory as if trained here. Nil when the cache has no entry.
  private func reuseCachedStageZero() throws -> Event? {
    guard let cache = backboneCache else { return nil }
    let entry = StageZeroCache.entry(cache: cache, key: stageZeroKey)
    var state = StageZeroCache.check(cache: cache, key: stageZeroKey)
    // Stage 0 is cheap to recompute: an entry from before checksums is replaced, not trusted.
    if case .unverified(let why) = state { state = .incomplete(why) }
    guard try usableCacheEntry(entry, state: state), let record = try StageZeroCache.read(cache: cache, key: stageZeroKey)
    else { return nil }
    let adapterDirectory = StageZeroCache.adapterDirectory(of: entry)
    let a = try ModelCheckpoint.readAdapter(from: adapterDirectory, config: config.model)
    // The key already names these settings; the check guards against a tampered entry.
    guard a.lora.rank == config.lora.rank, Set(a.lora.targets) == Set(config.lora.targets),
          a.values.count == LoRALayout(config: config.model, lora: config.lora).count,
          config.trainEmbeddings == (a.embeddings != nil)
    else {
      throw LorascopeError.invalidFile(path: adapterDirectory.path, reason: "the cached adapter does not fit the run's configuration")
    }
    var reused = record.metrics
    reused.reusedFrom = entry.path
    // Derived from the data alone, so computed here rather than trusted from the entry.
    reused.baselineCE = baselineCrossEntropy(block: 0)
    reused.baselines = nil
    try recordCountingBaselines(of: &reused)
    // The lines as this run would have written them: λ in force is this run's (no penalty acts yet).
    let log = record.log.map { var r = $0; r.lambda = currentLambda; return r }
    adapters.append(a.values)
    if let e = a.embeddings, let h = a.lmHead { embeddingStates.append((e, h)) }
    ranks?.stages.append(record.ranks)
    metrics.stages.append(reused)
    lastRecord = log.last
    if let dir = runDirectory {
      do {
        try AtomicFile.replaceDirectory(at: dir.stageURL(0)) { staging in
          for name in try FileManager.default.contentsOfDirectory(atPath: adapterDirectory.path) {
            try FileManager.default.copyItem(
              at: adapterDirectory.appendingPathComponent(name), to: staging.appendingPathComponent(name))
          }
        }
      } catch {
        throw LorascopeError.io(
          "cannot copy the cached stage 0 (\(adapterDirectory.path)) into \(dir.stageURL(0).path): "
            + "\(SystemErrorReason.of(error)); free space there or choose another --run-dir (the cache entry is intact)")
      }
      try dir.appendLog(log)
      if let ranks { try dir.writeRanks(ranks) }
      try dir.writeMetrics(metrics)
    }
    stage = 1
    return .stageFinished(reused)
  }

  /// Puts the stage 0 just trained into the cache for the next run with the same settings.
  private func publishStageZero(_ result: StageMetrics, model m: LlamaModel, layout: LoRALayout, values v: FloatBuffer) throws {
    guard let cache = backboneCache, let blockRanks = ranks?.stages.first else { return }
    let record = StageZeroCache.Record(
      formatVersion: StageZeroCache.formatVersion, key: stageZeroKey, metrics: result, ranks: blockRanks, log: stageZeroLog)
    do {
      try StageZeroCache.publish(record, cache: cache) { adapterDirectory in
        try ModelCheckpoint.writeAdapter(
          layout: layout, values: v, embeddingsFrom: config.trainEmbeddings ? m : nil,
          baseModelPath: backboneDirectory?.path ?? "backbone", to: adapterDirectory)
      }
    } catch {
      cacheNotice("caution: cannot write stage 0 to the cache (\(Self.describe(error))); the run goes on")
    }
    stageZeroLog = []
  }

  // MARK: - Resume

  /// Loads the adapters of the stages metrics.json lists as finished. A listed stage whose adapter
  /// is missing is an error naming the file: stages are saved before metrics.json names them, so
  /// only a damaged directory gets there. Writes nothing; loads the backbone when a stage is done.
  private func restoreFinishedStages(from dir: RunDirectory) throws {
    guard let saved = try dir.readMetrics() else { return }
    var restored: [StageMetrics] = []
    for s in saved.stages {
      let url = dir.stageURL(s.stage)
      let file = url.appendingPathComponent(PEFTAdapterDirectory.weightsFileName)
      guard s.stage == restored.count else {
        throw LorascopeError.invalidFile(path: dir.metricsURL.path, reason: "stage \(s.stage) is listed where stage \(restored.count) belongs")
      }
      guard FileManager.default.fileExists(atPath: file.path) else {
        throw LorascopeError.invalidFile(
          path: file.path, reason: "the adapter of finished stage \(s.stage) is missing (metrics.json lists the stage as finished)")
      }
      let a = try ModelCheckpoint.readAdapter(from: url, config: config.model)
      guard a.lora.rank == config.lora.rank, a.lora.alpha == config.lora.alpha, Set(a.lora.targets) == Set(config.lora.targets) else {
        throw LorascopeError.invalidFile(
          path: url.appendingPathComponent(PEFTAdapterDirectory.configFileName).path,
          reason: "r \(a.lora.rank), lora_alpha \(a.lora.alpha), target_modules \(a.lora.targets.map(\.rawValue).sorted()) differ from the run's "
            + "config.json (r \(config.lora.rank), alpha \(config.lora.alpha), \(config.lora.targets.map(\.rawValue).sorted()))")
      }
      adapters.append(a.values)
      if let e = a.embeddings, let h = a.lmHead { embeddingStates.append((e, h)) }
      restored.append(s)
    }
    metrics.stages = restored
    metrics.backboneSeconds = saved.backboneSeconds
    metrics.backboneValidationCE = saved.backboneValidationCE
    metrics.backboneBestEpoch = saved.backboneBestEpoch
    if let saved = try dir.readRanks(), saved.stages.count >= restored.count {
      ranks = saved.prefix(restored.count)
    } else {
      ranks = restored.isEmpty ? RunRanks(stages: []) : nil
    }
    stage = restored.count
    // λ settings of finished stages carry on; those of the stage being retrained are dropped
    // with its log lines (the stage restarts at the λ in force when it began).
    metrics.lambdaHistory = saved.lambdaHistory(before: stage)
    if stage > 0 { try requireCachedBackbone() }
  }

  /// Loads the cached backbone the finished stages were trained on, or says it is gone.
  private func requireCachedBackbone() throws {
    guard pretrained == nil else { return }
    if try loadRunsOwnBackbone() { return }
    if let loaded = try loadCachedBackbone(), case .backboneLoaded = loaded { return }
    throw LorascopeError.io(
      "cannot reopen the run: it keeps no backbone of its own (\(runDirectory?.backboneURL.path ?? "no run directory")) "
        + "and its cached backbone \(backboneDirectory?.path ?? "(no backbone cache given)") is missing; "
        + "pass the --cache the run used, or start a new run")
  }

  /// Loads the backbone the run directory keeps (`RunDirectory.keepBackbone`), so a run reopens
  /// wherever it was copied and whatever happened to the cache. False when it keeps none (a run
  /// written before it kept one links into the cache instead); an error when the one it keeps
  /// does not have the run's model configuration.
  private func loadRunsOwnBackbone() throws -> Bool {
    guard let run = runDirectory else { return false }
    var status = stat()
    // lstat: the `backbone` of older runs is a symbolic link into the cache; that path is the
    // cache's to check (`loadCachedBackbone`), not the run's.
    guard lstat(run.backboneURL.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR,
      FileManager.default.fileExists(atPath: run.backboneURL.appendingPathComponent("model.safetensors").path)
    else { return false }
    let m = try ModelCheckpoint.readBackbone(from: run.backboneURL)
    guard m.config == config.model else {
      throw LorascopeError.invalidFile(
        path: run.backboneURL.path, reason: "the run's backbone does not have the model configuration of its config.json")
    }
    pretrained = m.weights.clone()
    return true
  }
}

/// A log.jsonl line recording a change of λ.
struct LambdaChange: Codable, Sendable {
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
