/// One LoRA factor (an `A` or a `B` of one adapted linear) of an imported stage, as float32.
///
/// `name` is the factor's module name as it appears in the source file without `.weight`
/// (`base_model.model.model.layers.0.self_attn.q_proj.lora_A` for PEFT,
/// `model.layers.0.self_attn.q_proj.A` for the released PESO code): the proximal penalty and
/// the spectrum treat each factor as one softmax-KL module g (Docs/Design.md §2, §3).
public struct ImportedFactor: Sendable, Equatable {
  public let name: String
  /// The adapted linear this factor belongs to (the name without the factor suffix).
  public let linear: String
  /// "A" ([r, in]) or "B" ([out, r]).
  public let factor: String
  public let shape: [Int]
  /// Row-major values (the flattening the softmax of Docs/Design.md §2 runs over).
  public let values: [Float]

  public init(name: String, linear: String, factor: String, shape: [Int], values: [Float]) {
    self.name = name
    self.linear = linear
    self.factor = factor
    self.shape = shape
    self.values = values
  }
}

/// One stage of an imported run: every factor of every adapted linear, sorted by name with
/// each linear's A before its B.
public struct ImportedStage: Sendable, Equatable {
  /// The checkpoint this stage was read from (a directory or a file).
  public let source: String
  /// `peft` or `peso-released`.
  public let format: String
  /// The files read, and the source dtype of the LoRA tensors (F32, F16 or BF16).
  public let files: [String]
  public let sourceDType: String
  public let rank: Int
  /// lora_alpha when the checkpoint records it (PEFT), else nil.
  public let alpha: Double?
  public let factors: [ImportedFactor]

  public init(
    source: String, format: String, files: [String], sourceDType: String, rank: Int, alpha: Double?,
    factors: [ImportedFactor]
  ) {
    self.source = source
    self.format = format
    self.files = files
    self.sourceDType = sourceDType
    self.rank = rank
    self.alpha = alpha
    self.factors = factors
  }

  /// |L|: the number of adapted linears (each has one A and one B).
  public var adaptedLinearCount: Int { Set(factors.map(\.linear)).count }

  /// Total LoRA parameters.
  public var parameterCount: Int { factors.reduce(0) { $0 + $1.values.count } }
}

/// Puts factors in the order every imported stage uses: by linear name, A then B.
func canonicalFactorOrder(_ factors: [ImportedFactor]) -> [ImportedFactor] {
  factors.sorted { ($0.linear, $0.factor) < ($1.linear, $1.factor) }
}
