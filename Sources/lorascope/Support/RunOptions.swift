import ArgumentParser
import Foundation
import LorascopeEngine

extension PenaltyPrecision: ExpressibleByArgument {}

/// The options every command that trains shares (Docs/Design.md §8).
struct RunOptions: ParsableArguments {
  @Option(help: "A PESO dataset directory, 'video-games' for the released dataset in Assets/, or 'synthetic' for the built-in drift generator.")
  var data: String = "synthetic"

  @Option(help: ArgumentHelp(ContinualMethod.allCases.map(\.rawValue).joined(separator: " | ") + "."))
  var method: ContinualMethod = .peso

  @Option(help: "λ of the proximal term (the paper code's normalization: λ_eff = λ/|L|).")
  var lambda: Double = 2

  @Option(help: "Seed of every random choice (initialization, order, dropout, evaluation subset).")
  var seed: UInt64 = 0

  @Option(name: .customLong("run-dir"), help: "Where the run's config, adapters, metrics and log go.")
  var runDir: String?

  @Option(help: "default (steady on synthetic data, embeddings on a dataset directory) | steady (LoRA only, LR 1e-3 after block 0) | embeddings (steady with embeddings and lm_head trained) | paper (CE temperature 0.8, trainable embeddings, dropout 0.05, 4 epochs, 10× smaller LR after block 0).")
  var recipe: Recipe = .default

  @Option(help: "Adapter epochs per block after block 0.")
  var epochs: Double?

  @Option(name: .customLong("backbone-epochs"), help: "Epochs of backbone pretraining on block 0.")
  var backboneEpochs: Double?

  @Option(help: "Adapter learning rate after block 0.")
  var lr: Float?

  @Option(name: .customLong("backbone-lr"), help: "Peak learning rate of backbone pretraining on block 0.")
  var backboneLR: Float?

  @Option(name: .customLong("backbone-weight-decay"), help: "AdamW weight decay of backbone pretraining.")
  var backboneWeightDecay: Float?

  @Option(name: .customLong("backbone-dropout"), help: "Hidden dropout of backbone pretraining.")
  var backboneDropout: Float?

  @Option(name: .customLong("backbone-batch"), help: "Batch size of backbone pretraining.")
  var backboneBatch: Int?

  @Option(help: "Model width (hidden size; a multiple of --heads).")
  var hidden: Int?

  @Option(help: "Decoder layers.")
  var layers: Int?

  @Option(help: "Attention heads.")
  var heads: Int?

  @Option(help: "MLP intermediate size.")
  var intermediate: Int?

  @Option(name: .customLong("ce-temperature"), help: "CE on logits/τ.")
  var ceTemperature: Float?

  @Flag(name: .customLong("train-embeddings"), help: "Train embeddings and lm_head (unregularized) in every block (the default recipe does on a dataset directory; --recipe steady does not).")
  var trainEmbeddings = false

  @Flag(name: .customLong("no-inherit"), help: "Cumulative methods: re-initialize the new adapter instead of copying v_{t−1}.")
  var noInherit = false

  @Flag(name: .customLong("plain-sum"), help: "Cumulative methods: add past adapters as they are (no Frobenius normalization).")
  var plainSum = false

  @Option(name: .customLong("eval-users"), help: "Test users per block for R[t][j] (a number, or 'all').")
  var evalUsers: String = "2000"

  @Option(help: "Beam width of the constrained beam search.")
  var beam: Int = RunConfig.defaultBeamWidth

  @Option(help: "Backbone cache directory (default $LORASCOPE_CACHE, else $XDG_CACHE_HOME/lorascope/backbones, else $HOME/.cache/lorascope/backbones).")
  var cache: String?

  @Option(name: .customLong("synthetic-drift"), help: "Synthetic data: drift strength 0…1 at block boundaries.")
  var syntheticDrift: Double = 0.6

  @Option(name: .customLong("synthetic-users"), help: "Synthetic data: users per block.")
  var syntheticUsers: Int = 400

  @Option(name: .customLong("penalty-precision"), help: "exact | bf16 (the released PESO code's softmax-KL and its gradient in bfloat16).")
  var penaltyPrecision: PenaltyPrecision = .exact

  @Flag(name: .customLong("fresh-stage0"), help: "Train and evaluate stage 0 in this run even when the cache holds it for these settings (stage 0 does not depend on the method or λ, so a seed's runs share it).")
  var freshStageZero = false

  enum Recipe: String, ExpressibleByArgument { case `default`, steady, embeddings, paper }

  /// The recipe `--recipe` names for this data (`default` depends on it).
  var trainingRecipe: TrainingRecipe {
    switch recipe {
    case .default: return TrainingRecipe.defaultRecipe(for: dataSpec)
    case .steady: return .steady
    case .embeddings: return .embeddings
    case .paper: return .paper
    }
  }

  /// Checks every option when it is parsed, before any data is loaded or any stage trains.
  mutating func validate() throws {
    guard lambda.isFinite, lambda >= 0 else { throw ValidationError("--lambda must be a finite number ≥ 0, not \(lambda)") }
    try Self.checkEpochs(epochs, option: "--epochs")
    try Self.checkEpochs(backboneEpochs, option: "--backbone-epochs")
    if let lr, !(lr.isFinite && lr > 0) { throw ValidationError("--lr must be a finite number > 0, not \(lr)") }
    if let ceTemperature, !(ceTemperature.isFinite && ceTemperature >= RunConfig.minimumCETemperature) {
      throw ValidationError("--ce-temperature must be a finite number ≥ \(RunConfig.minimumCETemperature), not \(ceTemperature)")
    }
    guard beam >= 1, beam <= 10_000 else { throw ValidationError("--beam must be between 1 and 10000, not \(beam)") }
    if evalUsers != "all" {
      guard let n = Int(evalUsers), n > 0 else {
        throw ValidationError("--eval-users takes a positive number or 'all', not '\(evalUsers)'")
      }
    }
    guard syntheticDrift.isFinite, syntheticDrift >= 0, syntheticDrift <= 1 else {
      throw ValidationError("--synthetic-drift must be between 0 and 1, not \(syntheticDrift)")
    }
    guard syntheticUsers >= 1, syntheticUsers <= 1_000_000 else {
      throw ValidationError("--synthetic-users must be between 1 and 1000000, not \(syntheticUsers)")
    }
    // Sizes and backbone settings, checked before any data is read: the smallest vocabulary stands
    // in for the dataset's (the dataset's own is checked again when its config is made).
    do { try configured(vocabSize: 4, lambda: lambda).validate() } catch let error as LorascopeError {
      throw Self.validationError(error)
    }
  }

  private static func checkEpochs(_ value: Double?, option: String) throws {
    guard let value else { return }
    guard value.isFinite, value > 0, value <= RunConfig.maximumEpochs else {
      throw ValidationError("\(option) must be a number > 0 and ≤ \(Int(RunConfig.maximumEpochs)), not \(value)")
    }
  }

  /// The data `--data` names. A bundled name whose assets are missing stays as typed here;
  /// `loadDataset()`, which every command calls first, reports that with a clear message.
  var dataSpec: DataSpec {
    switch (try? DataArgument.resolve(data)) ?? .directory(data) {
    case .synthetic: return .synthetic(syntheticConfig)
    case .directory(let path): return .directory(path)
    }
  }

  /// The generator's settings when `--data synthetic`.
  var syntheticConfig: SyntheticDriftConfig {
    var c = SyntheticDriftConfig(seed: SyntheticDriftConfig.defaultSeed)
    c.driftStrength = syntheticDrift
    c.usersPerBlock = syntheticUsers
    return c
  }

  func loadDataset() throws -> ContinualDataset {
    _ = try DataArgument.resolve(data)
    return try dataSpec.load()
  }

  func runConfig(for dataset: ContinualDataset, lambda overrideLambda: Double? = nil) throws -> RunConfig {
    let c = try configured(vocabSize: dataset.items.vocabSize, lambda: overrideLambda ?? lambda)
    do { try c.validate(for: dataset.items) } catch let error as LorascopeError { throw Self.validationError(error) }
    return c
  }

  /// The config fields the size and backbone options set, by option: a config error names the option.
  private static let optionOfField = [
    ("backbone.learningRate", "--backbone-lr"), ("backbone.weightDecay", "--backbone-weight-decay"),
    ("backbone.hiddenDropout", "--backbone-dropout"), ("backbone.batchSize", "--backbone-batch"),
  ]

  private static func validationError(_ error: LorascopeError) -> ValidationError {
    ValidationError(optionOfField.reduce("\(error)") { $0.replacingOccurrences(of: $1.0, with: $1.1) })
  }

  /// The defaults with this command line's recipe and options, not yet checked.
  private func configured(vocabSize: Int, lambda: Double) throws -> RunConfig {
    var c = RunConfig.defaults(vocabSize: vocabSize, method: method, lambda: lambda, seed: seed)
    c = trainingRecipe.apply(to: c)
    if let epochs { c.adapter.epochs = epochs }
    if let backboneEpochs { c.backbone.epochs = backboneEpochs }
    if let lr { c.adapter.learningRate = lr }
    if let backboneLR { c.backbone.learningRate = backboneLR }
    if let backboneWeightDecay { c.backbone.weightDecay = backboneWeightDecay }
    if let backboneDropout { c.backbone.hiddenDropout = backboneDropout }
    if let backboneBatch { c.backbone.batchSize = backboneBatch }
    if let hidden { c.model.hiddenSize = hidden }
    if let layers { c.model.numLayers = layers }
    if let heads { c.model.numHeads = heads }
    if let intermediate { c.model.intermediateSize = intermediate }
    if let ceTemperature { c.ceTemperature = ceTemperature }
    if trainEmbeddings { c.trainEmbeddings = true }
    c.inherit = !noInherit
    c.normalizePastAdapters = !plainSum
    c.beamWidth = beam
    c.penaltyPrecision = penaltyPrecision == .exact ? nil : penaltyPrecision
    if evalUsers == "all" {
      c.evaluationUsers = nil
    } else if let n = Int(evalUsers), n > 0 {
      c.evaluationUsers = n
    } else {
      throw ValidationError("--eval-users takes a positive number or 'all', not '\(evalUsers)'")
    }
    return c
  }

  /// A session of `config` with this command line's cache and stage-0 reuse.
  func session(config: RunConfig, dataset: ContinualDataset, runDirectory: RunDirectory?, resume: Bool) throws -> ContinualSession {
    if cacheURL == nil {
      StandardStreams.writeError(
        "lorascope: caution: no cache directory (none of \(CacheLocation.description) is set, and no --cache); the backbone is pretrained and not kept\n")
    }
    return try ContinualSession(
      config: config, dataset: dataset, runDirectory: runDirectory, backboneCache: cacheURL, resume: resume,
      dataSpec: dataSpec, reuseStageZero: !freshStageZero)
  }

  /// `--cache`, else `CacheLocation.resolve()` ($LORASCOPE_CACHE, $XDG_CACHE_HOME, $HOME); nil
  /// when none is set, and then the run goes on without a cache (it is an optimisation).
  var cacheURL: URL? {
    if let cache { return URL(fileURLWithPath: cache) }
    return CacheLocation.resolve()
  }
}

extension RunOptions {
  /// The options a sweep's jobs share, as `lorascope run` arguments (method, λ, seed and run
  /// directory are each job's own). Paths are made absolute and the cache is always named, so
  /// that a job line runs the same from any directory and every job shares one backbone cache.
  var sharedJobArguments: [String] {
    var argv: [String] = []
    switch (try? DataArgument.resolve(data)) ?? .directory(data) {
    case .synthetic: argv += ["--data", "synthetic"]
    case .directory(let path): argv += ["--data", URL(fileURLWithPath: path).standardizedFileURL.path]
    }
    argv += ["--recipe", recipe.rawValue]
    if let epochs { argv += ["--epochs", "\(epochs)"] }
    if let backboneEpochs { argv += ["--backbone-epochs", "\(backboneEpochs)"] }
    if let lr { argv += ["--lr", "\(lr)"] }
    if let ceTemperature { argv += ["--ce-temperature", "\(ceTemperature)"] }
    if trainEmbeddings { argv.append("--train-embeddings") }
    if noInherit { argv.append("--no-inherit") }
    if plainSum { argv.append("--plain-sum") }
    if freshStageZero { argv.append("--fresh-stage0") }
    argv += ["--eval-users", evalUsers, "--beam", "\(beam)"]
    if let cacheURL { argv += ["--cache", cacheURL.standardizedFileURL.path] }
    argv += ["--synthetic-drift", "\(syntheticDrift)", "--synthetic-users", "\(syntheticUsers)"]
    argv += ["--penalty-precision", penaltyPrecision.rawValue]
    return argv
  }
}
