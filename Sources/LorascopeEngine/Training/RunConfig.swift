/// How one optimization phase trains: epochs, batch, learning rate and its schedule.
public struct PhaseConfig: Codable, Equatable, Hashable, Sendable {
  public var epochs: Double
  public var batchSize: Int
  public var learningRate: Float
  /// Warm-up as a fraction of the phase's steps.
  public var warmupFraction: Float
  public var weightDecay: Float
  public var gradientClip: Double
  /// Hidden dropout's probability while this phase trains (`HiddenDropout`, Docs/Design.md §1);
  /// nil = none (and in config.json files written before it existed).
  public var hiddenDropout: Float?

  public init(epochs: Double, batchSize: Int = 32, learningRate: Float, warmupFraction: Float = 0.05,
              weightDecay: Float = 0.01, gradientClip: Double = 1.0, hiddenDropout: Float? = nil) {
    self.hiddenDropout = hiddenDropout
    self.epochs = epochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.warmupFraction = warmupFraction
    self.weightDecay = weightDecay
    self.gradientClip = gradientClip
  }
}

/// Everything that defines a continual run (Docs/Design.md §2); saved as the run directory's config.json.
public struct RunConfig: Codable, Equatable, Sendable {
  public var method: ContinualMethod
  /// λ of Docs/Design.md §2 (the paper code's normalization: λ_eff = λ/|L|).
  public var lambda: Double
  public var seed: UInt64
  public var model: ModelConfig
  public var lora: LoRAConfig
  /// Backbone pretraining on block 0, all parameters (stage 0).
  public var backbone: PhaseConfig
  /// The short LoRA-only pass on block 0 that makes v_0.
  public var adapterWarmStart: PhaseConfig
  /// Each later block's LoRA training.
  public var adapter: PhaseConfig
  /// CE on logits/τ (the paper's recipe: 0.8).
  public var ceTemperature: Float
  /// Embeddings and lm_head trainable and unregularized in every block (the paper's recipe).
  public var trainEmbeddings: Bool
  /// Cumulative methods: copy v_{t−1} into the new adapter (true) or re-initialize it.
  public var inherit: Bool
  /// Cumulative methods: divide each frozen past A and B by its Frobenius norm (the released code).
  public var normalizePastAdapters: Bool
  public var maxHistory: Int
  public var beamWidth: Int
  /// The softmax-KL's arithmetic (`--penalty-precision`); nil = exact (and in config.json files
  /// written before the option existed).
  public var penaltyPrecision: PenaltyPrecision?
  /// Test users per block evaluated for R[t][j], the stage's own block included: a seeded
  /// subset when a block has more (nil: all).
  public var evaluationUsers: Int?

  /// The default beam width (Docs/Design.md §5): on Video_Games the top 5 stop changing from
  /// about 50 beams on (stages 1–4 lose a quarter of their NDCG@5 at 10 beams, 0.0198 against
  /// 0.0149; 50, 100 and 200 agree), so 50 is the narrowest width that does not cut the ranking.
  public static let defaultBeamWidth = 50

  /// lorascope's defaults (Docs/Design.md §1–§2), sized for a laptop CPU.
  public static func defaults(vocabSize: Int, method: ContinualMethod = .peso, lambda: Double = 2, seed: UInt64 = 0) -> RunConfig {
    RunConfig(
      method: method, lambda: lambda, seed: seed, model: .tiny(vocabSize: vocabSize), lora: LoRAConfig(),
      backbone: PhaseConfig(epochs: 6, batchSize: 32, learningRate: 3e-3),
      adapterWarmStart: PhaseConfig(epochs: 1, batchSize: 32, learningRate: 1e-3),
      adapter: PhaseConfig(epochs: 3, batchSize: 32, learningRate: 1e-3),
      ceTemperature: 1, trainEmbeddings: false, inherit: true,
      normalizePastAdapters: true, maxHistory: 20, beamWidth: defaultBeamWidth, evaluationUsers: 2000)
  }

  /// The paper's recipe (Docs/Design.md §2); see `TrainingRecipe.paper`.
  public func withPaperRecipe() -> RunConfig { TrainingRecipe.paper.apply(to: self) }

  /// λ that actually weighs the penalty (0 for methods without one).
  public var effectiveLambda: Double { method.usesLambda ? lambda : 0 }

  /// The key of the cached backbone: what stage 0 depends on.
  public func backboneKey(datasetFingerprint: String) -> String {
    let parts = [
      datasetFingerprint, "\(model.vocabSize)", "\(model.hiddenSize)", "\(model.numLayers)", "\(model.numHeads)",
      "\(model.intermediateSize)", "\(model.maxPositions)", "\(seed)", "\(backbone.epochs)", "\(backbone.batchSize)",
      "\(backbone.learningRate)", "\(backbone.warmupFraction)", "\(backbone.weightDecay)", "\(maxHistory)",
      "seed-stream-\(SeedStream.version)", "best-epoch-patience-\(BackboneSelection.patience)-tolerance-\(BackboneSelection.tolerance)-of-\(BackboneSelection.maximumExamples)",
    ]
    // Added only when set, so the keys of backbones pretrained without it stay as they were.
    let dropout = backbone.hiddenDropout.map { ["hidden-dropout-\($0)"] } ?? []
    return FNV1a64.hexDigest(of: (parts + dropout).joined(separator: "|"))
  }
}
