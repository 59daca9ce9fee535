/// The size of the Llama-architecture decoder (Docs/Design.md §1).
///
/// Sizes are configuration, not constants: `tiny` is the default of Docs/Design.md §1
/// (hidden 128, 4 layers, 4 heads, intermediate 344, 128 positions).
public struct ModelConfig: Codable, Equatable, Hashable, Sendable {
  public var vocabSize: Int
  public var hiddenSize: Int
  public var numLayers: Int
  public var numHeads: Int
  public var intermediateSize: Int
  public var maxPositions: Int
  public var rmsNormEps: Float
  public var ropeTheta: Float

  public init(
    vocabSize: Int, hiddenSize: Int, numLayers: Int, numHeads: Int,
    intermediateSize: Int, maxPositions: Int, rmsNormEps: Float = 1e-6, ropeTheta: Float = 10000
  ) {
    self.vocabSize = vocabSize
    self.hiddenSize = hiddenSize
    self.numLayers = numLayers
    self.numHeads = numHeads
    self.intermediateSize = intermediateSize
    self.maxPositions = maxPositions
    self.rmsNormEps = rmsNormEps
    self.ropeTheta = ropeTheta
  }

  /// Docs/Design.md §1 "tiny": hidden 128, 4 layers, 4 heads, intermediate 344, max 128 positions.
  public static func tiny(vocabSize: Int) -> ModelConfig {
    ModelConfig(
      vocabSize: vocabSize, hiddenSize: 128, numLayers: 4, numHeads: 4,
      intermediateSize: 344, maxPositions: 128)
  }

  public var headDim: Int { hiddenSize / numHeads }

  /// Checks the invariants the kernels rely on.
  public func validate() throws {
    func fail(_ why: String) -> LorascopeError { .invalidConfiguration(why) }
    guard vocabSize > 3 else { throw fail("vocab size \(vocabSize) must exceed the 3 special tokens") }
    guard hiddenSize > 0, numLayers > 0, numHeads > 0, intermediateSize > 0, maxPositions > 0 else {
      throw fail("sizes must be positive")
    }
    guard hiddenSize % numHeads == 0 else {
      throw fail("hidden size \(hiddenSize) is not a multiple of \(numHeads) heads")
    }
    guard headDim % 2 == 0 else { throw fail("head dim \(headDim) must be even for rotary embedding") }
    // Both divide or exponentiate in every forward pass: 0, a negative or a NaN would turn every
    // activation into NaN (and a config that differs from the cached backbone's would read as
    // "the cached backbone is missing" instead of naming the field).
    guard rmsNormEps.isFinite, rmsNormEps > 0 else {
      throw fail("rmsNormEps \(rmsNormEps) must be a positive finite number (the RMSNorm epsilon)")
    }
    guard ropeTheta.isFinite, ropeTheta > 0 else {
      throw fail("ropeTheta \(ropeTheta) must be a positive finite number (the rotary embedding base)")
    }
  }
}

/// The adapted linear layers of one decoder layer, in PEFT/Hugging Face naming.
public enum LinearKind: String, CaseIterable, Codable, Sendable {
  case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj"
  case gate = "gate_proj", up = "up_proj", down = "down_proj"

  /// `self_attn` or `mlp`, the submodule that holds this linear in Hugging Face Llama.
  public var parent: String {
    switch self {
    case .q, .k, .v, .o: return "self_attn"
    case .gate, .up, .down: return "mlp"
    }
  }

  /// Input features of the linear `y = W x` with `W` of shape [out, in].
  public func inFeatures(_ c: ModelConfig) -> Int {
    self == .down ? c.intermediateSize : c.hiddenSize
  }

  /// Output features of the linear `y = W x` with `W` of shape [out, in].
  public func outFeatures(_ c: ModelConfig) -> Int {
    switch self {
    case .gate, .up: return c.intermediateSize
    default: return c.hiddenSize
    }
  }

  /// Short label for screens and tables.
  public var shortName: String {
    switch self {
    case .q: "q"
    case .k: "k"
    case .v: "v"
    case .o: "o"
    case .gate: "gate"
    case .up: "up"
    case .down: "down"
    }
  }
}

/// LoRA settings (Docs/Design.md §1): rank 8, alpha 16, on all seven linears of every layer.
public struct LoRAConfig: Codable, Equatable, Hashable, Sendable {
  public var rank: Int
  public var alpha: Float
  public var targets: [LinearKind]
  /// Dropout on the LoRA input (the paper's recipe uses 0.05); never applied in evaluation.
  public var dropout: Float

  public init(rank: Int = 8, alpha: Float = 16, targets: [LinearKind] = LinearKind.allCases, dropout: Float = 0) {
    self.rank = rank
    self.alpha = alpha
    self.targets = targets
    self.dropout = dropout
  }

  /// The scale s = alpha / r of y = W x + s·B(A x).
  public var scale: Float { alpha / Float(rank) }
}
