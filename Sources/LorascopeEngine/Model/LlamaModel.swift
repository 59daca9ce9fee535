/// Which backbone tensors receive gradients.
public enum BackboneTraining: String, Codable, Sendable {
  /// Frozen backbone: no backbone gradient is computed or stored (LoRA-only training).
  case frozen
  /// Embeddings and lm_head trainable, unregularized (the paper's recipe after block 0).
  case embeddingsAndHead
  /// Every backbone tensor (backbone pretraining on block 0).
  case all
}

/// The Llama-architecture decoder of Docs/Design.md §1, written by hand over cblas_sgemm in the
/// spirit of llm.c's train_gpt2.c: parameters in one flat buffer, explicit per-layer
/// forward (LlamaModel+Forward.swift) and backward (LlamaModel+Backward.swift).
///
/// An optional LoRA adapter (its own flat buffer) adds s·B(A x) to every target linear.
public final class LlamaModel: @unchecked Sendable {
  public let config: ModelConfig
  public let layout: BackboneLayout
  /// Backbone weights, Hugging Face layout and names (see `BackboneLayout`).
  public let weights: FloatBuffer
  public private(set) var loraLayout: LoRALayout?
  /// The adapter's A and B matrices (see `LoRALayout`), nil without LoRA.
  public private(set) var lora: FloatBuffer?
  /// Whether LoRA dropout (if configured) is applied; on only while training.
  public var dropoutEnabled = false
  /// Hidden dropout's probability (`HiddenDropout`), applied only while `dropoutEnabled`: the
  /// backbone's pretraining sets it; 0 leaves the passes exactly as without it.
  public var hiddenDropout: Float = 0
  /// The masks of the last forward pass when it applied hidden dropout (its backward uses them).
  var hiddenDropoutMasks: HiddenDropout?
  /// CE temperature τ: the loss is CE(logits/τ) (the paper's recipe uses 0.8).
  public var ceTemperature: Float = 1

  let rotary: RotaryTable
  var activations: Activations?
  var scratch: BackwardScratch?
  /// W + s·B·A of every adapted linear at the offsets of `weights` (Docs/Math.md §10), refreshed
  /// by each forward pass that runs without dropout; nil without an adapter.
  var foldedLinears: FloatBuffer?
  /// Whether the last forward pass used `foldedLinears` (its backward must do the same).
  var forwardFolded = false
  /// Folds the adapter into W where exact (see `foldAdapter`); off only to compare against the
  /// unfolded three-GEMM path in tests and measurements.
  var foldsAdapter = true
  /// With the adapter folded, runs each adapted linear's backbone GEMM and adapter GEMMs over the
  /// same rows in one parallel region (the same sgemm calls, so the same bits); off only to
  /// compare against separate regions in tests.
  var fusesAdapterRegions = true
  /// Computes only each sequence's real positions (`PackedRows`); off only to compare against
  /// the padded layout in tests and measurements.
  var packsRows = true

  public init(config: ModelConfig, seed: UInt64) throws {
    try config.validate()
    BLAS.ensureConfigured()
    self.config = config
    layout = BackboneLayout(config: config)
    weights = FloatBuffer(count: layout.count)
    layout.initialize(weights, seed: seed)
    rotary = RotaryTable(headDim: config.headDim, maxPositions: config.maxPositions, theta: config.ropeTheta)
  }

  private init(copying other: LlamaModel) {
    config = other.config
    layout = other.layout
    weights = other.weights.clone()
    rotary = other.rotary
    ceTemperature = other.ceTemperature
    if let ll = other.loraLayout, let l = other.lora { attachLoRA(ll.lora, values: l.clone()) }
  }

  /// A model sharing nothing with this one, with the same backbone and adapter values.
  public func copy() -> LlamaModel { LlamaModel(copying: self) }

  /// Attaches a fresh adapter: A Kaiming-uniform, B = 0 (Docs/Design.md §1).
  public func attachLoRA(_ lora: LoRAConfig, seed: UInt64) {
    let ll = LoRALayout(config: config, lora: lora)
    let buf = FloatBuffer(count: ll.count)
    ll.initialize(buf, seed: seed)
    attachLoRA(lora, values: buf)
  }

  /// Attaches an adapter with the given values (layout of `LoRALayout(config:lora:)`).
  public func attachLoRA(_ lora: LoRAConfig, values: FloatBuffer) {
    let ll = LoRALayout(config: config, lora: lora)
    precondition(values.count == ll.count, "adapter size \(values.count) != layout \(ll.count)")
    loraLayout = ll
    self.lora = values
    activations = nil
    scratch = nil
    foldedLinears = nil
  }

  public func detachLoRA() {
    loraLayout = nil
    lora = nil
    activations = nil
    scratch = nil
    foldedLinears = nil
  }

  /// Adds s·B·A of the given adapter into the backbone weights (used by cumulative methods,
  /// whose frozen past adapters are exactly a fixed change of W; and by merge-and-export).
  public func mergeIntoWeights(layout ll: LoRALayout, values: FloatBuffer, scaleA: (LoRAModule) -> Float = { _ in 1 }, scaleB: (LoRAModule) -> Float = { _ in 1 }) {
    let s = ll.lora.scale
    for l in 0..<config.numLayers {
      for (kind, slot) in ll.linears[l] {
        // Safe unwrap: LoRALayout lists a module for the A and the B offset of every slot it makes.
        let ma = ll.modules.first { $0.offset == slot.a }!
        let mb = ll.modules.first { $0.offset == slot.b }!
        let alpha = s * scaleA(ma) * scaleB(mb)
        // W[out, in] += alpha · B[out, r] · A[r, in]
        BLAS.gemm(
          transA: false, transB: false, m: slot.outFeatures, n: slot.inFeatures, k: ll.lora.rank,
          alpha: alpha, a: values.pointer(slot.b), lda: ll.lora.rank, b: values.pointer(slot.a),
          // Safe unwrap: BackboneLayout gives every layer an offset for each of the seven LinearKind cases.
          ldb: slot.inFeatures, beta: 1, c: weights.pointer(layout.layers[l].linear[kind]!),
          ldc: slot.inFeatures)
      }
    }
  }

  func ensureWorkspace(rows: PackedRows) throws {
    guard rows.seqLen <= config.maxPositions else {
      throw LorascopeError.invalidConfiguration(
        "sequence of \(rows.seqLen) tokens exceeds max positions \(config.maxPositions)")
    }
    let tokens = rows.count, probs = rows.probCount
    if let a = activations, tokens <= a.tokens, probs <= a.probs {
      a.rows = rows
      return
    }
    // Grow to hold these rows and every batch held so far, so alternating shapes do not reallocate.
    activations = Activations(
      config: config, lora: loraLayout, tokens: max(tokens, activations?.tokens ?? 0),
      probs: max(probs, activations?.probs ?? 0), rows: rows)
    scratch = nil
  }

  func ensureScratch() -> BackwardScratch {
    if let s = scratch { return s }
    // Safe unwrap: scratch is only needed after a forward pass, which creates the activations.
    let a = activations!
    let s = BackwardScratch(config: config, rank: loraLayout?.lora.rank ?? 0, tokens: a.tokens, probs: a.probs)
    scratch = s
    return s
  }
}

/// Gradient buffers for one backward pass, in the layouts of the model's buffers.
public final class ModelGradients: @unchecked Sendable {
  public let backboneTraining: BackboneTraining
  /// Same layout as `LlamaModel.weights`; nil when the backbone is frozen.
  public let backbone: FloatBuffer?
  /// Same layout as `LlamaModel.lora`; nil when the model has no adapter.
  public let lora: FloatBuffer?

  public init(model: LlamaModel, backbone: BackboneTraining, lora: Bool) {
    backboneTraining = backbone
    self.backbone = backbone == .frozen ? nil : FloatBuffer(count: model.layout.count)
    self.lora = lora ? model.loraLayout.map { FloatBuffer(count: $0.count) } : nil
  }

  public func zero() {
    backbone?.zero()
    lora?.zero()
  }
}
