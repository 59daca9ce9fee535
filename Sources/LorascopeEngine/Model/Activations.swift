/// Everything the forward pass caches for the backward pass (llm.c's `ActivationTensors`),
/// for the current batch's packed rows (`PackedRows`). Its buffers hold `tokens` rows and `probs`
/// attention entries and serve any smaller batch as they are (every pass indexes by the current
/// rows and writes what it reads): the rows of a training batch change at every step, and fresh
/// buffers each time cost a zero fill and new pages from the kernel.
final class Activations {
  final class Layer {
    let input: FloatBuffer       // residual stream entering the layer [BT, C]
    let norm1: FloatBuffer       // input_layernorm output [BT, C]
    let rstd1: FloatBuffer       // [BT]
    let q: FloatBuffer, k: FloatBuffer, v: FloatBuffer  // after rotary for q, k [BT, C]
    let probs: FloatBuffer       // [len, len] per (sequence, head), at PackedRows.probStarts
    let attended: FloatBuffer    // P·v before o_proj [BT, C]
    let mid: FloatBuffer         // residual after attention [BT, C]
    let norm2: FloatBuffer       // post_attention_layernorm output [BT, C]
    let rstd2: FloatBuffer
    let gate: FloatBuffer, up: FloatBuffer, act: FloatBuffer  // [BT, I]
    let gateSigmoid: FloatBuffer  // σ(gate) [BT, I], so the backward needs no exp
    /// Per adapted linear: A·x [BT, r], and the dropped-out input (+ its mask) when dropout > 0.
    var loraAx: [LinearKind: FloatBuffer] = [:]
    var loraInput: [LinearKind: FloatBuffer] = [:]
    var loraMask: [LinearKind: FloatBuffer] = [:]

    init(bt: Int, c: Int, inter: Int, probs: Int, lora: [LinearKind: LoRALinearSlot], rank: Int, dropout: Bool) {
      input = FloatBuffer(count: bt * c)
      norm1 = FloatBuffer(count: bt * c)
      rstd1 = FloatBuffer(count: bt)
      q = FloatBuffer(count: bt * c)
      k = FloatBuffer(count: bt * c)
      v = FloatBuffer(count: bt * c)
      self.probs = FloatBuffer(count: probs)
      attended = FloatBuffer(count: bt * c)
      mid = FloatBuffer(count: bt * c)
      norm2 = FloatBuffer(count: bt * c)
      rstd2 = FloatBuffer(count: bt)
      gate = FloatBuffer(count: bt * inter)
      up = FloatBuffer(count: bt * inter)
      act = FloatBuffer(count: bt * inter)
      gateSigmoid = FloatBuffer(count: bt * inter)
      for (kind, slot) in lora {
        loraAx[kind] = FloatBuffer(count: bt * rank)
        if dropout {
          loraInput[kind] = FloatBuffer(count: bt * slot.inFeatures)
          loraMask[kind] = FloatBuffer(count: bt * slot.inFeatures)
        }
      }
    }
  }

  /// The current batch's rows (at most `tokens` rows and `probs` attention entries).
  var rows: PackedRows
  /// Capacity: rows of the [BT, ·] buffers, and entries of each layer's attention probabilities.
  let tokens: Int, probs: Int
  let layers: [Layer]
  let output: FloatBuffer      // residual stream after the last layer [BT, C]
  let finalNorm: FloatBuffer   // [BT, C]
  let rstdF: FloatBuffer
  /// Rows gathered for the lm_head (target rows, or last rows when scoring) [N, C] and their logits [N, V].
  var gathered: FloatBuffer
  var logits: FloatBuffer
  var outputRows: [Int32] = []

  /// Buffers for `tokens` rows and `probs` attention entries, holding `rows` for now.
  init(config c: ModelConfig, lora: LoRALayout?, tokens: Int, probs: Int, rows: PackedRows) {
    let bt = tokens
    self.rows = rows
    self.tokens = tokens
    self.probs = probs
    let dropout = (lora?.lora.dropout ?? 0) > 0
    layers = (0..<c.numLayers).map { l in
      Layer(
        bt: bt, c: c.hiddenSize, inter: c.intermediateSize, probs: probs,
        lora: lora?.linears[l] ?? [:], rank: lora?.lora.rank ?? 0, dropout: dropout)
    }
    output = FloatBuffer(count: bt * c.hiddenSize)
    finalNorm = FloatBuffer(count: bt * c.hiddenSize)
    rstdF = FloatBuffer(count: bt)
    gathered = FloatBuffer(count: 0)
    logits = FloatBuffer(count: 0)
  }

  func ensureOutputCapacity(rows: Int, hidden: Int, vocab: Int) {
    if gathered.count < rows * hidden { gathered = FloatBuffer(count: rows * hidden) }
    if logits.count < rows * vocab { logits = FloatBuffer(count: rows * vocab) }
  }
}

/// Scratch buffers of the backward pass, sized like `Activations`.
final class BackwardScratch {
  let dResidual: FloatBuffer   // gradient w.r.t. the residual stream [BT, C]
  let dMasked: FloatBuffer     // hidden dropout's mask ⊙ dResidual, a sublayer's output gradient [BT, C]
  let dNorm: FloatBuffer       // gradient w.r.t. a norm output [BT, C]
  let dq: FloatBuffer, dk: FloatBuffer, dv: FloatBuffer, dAttended: FloatBuffer  // [BT, C]
  let dGate: FloatBuffer, dUp: FloatBuffer, dAct: FloatBuffer  // [BT, I]
  let dProbs: FloatBuffer      // like Activations.Layer.probs: one block per (sequence, head), so they run in parallel
  let dAx: FloatBuffer         // [BT, r]
  let dLoRAInput: FloatBuffer  // [BT, max(in)] for dropout's masked input gradient
  var dGathered: FloatBuffer   // [N, C]
  var adapterPartials = FloatBuffer(count: 0)  // per-chunk partial dB and dA of one linear

  /// Sized like `Activations` of `tokens` rows and `probs` attention entries.
  init(config c: ModelConfig, rank: Int, tokens: Int, probs: Int) {
    let bt = tokens
    dResidual = FloatBuffer(count: bt * c.hiddenSize)
    dMasked = FloatBuffer(count: bt * c.hiddenSize)
    dNorm = FloatBuffer(count: bt * c.hiddenSize)
    dq = FloatBuffer(count: bt * c.hiddenSize)
    dk = FloatBuffer(count: bt * c.hiddenSize)
    dv = FloatBuffer(count: bt * c.hiddenSize)
    dAttended = FloatBuffer(count: bt * c.hiddenSize)
    dGate = FloatBuffer(count: bt * c.intermediateSize)
    dUp = FloatBuffer(count: bt * c.intermediateSize)
    dAct = FloatBuffer(count: bt * c.intermediateSize)
    dProbs = FloatBuffer(count: probs)
    dAx = FloatBuffer(count: bt * max(rank, 1))
    dLoRAInput = FloatBuffer(count: bt * max(c.hiddenSize, c.intermediateSize))
    dGathered = FloatBuffer(count: 0)
  }
}
