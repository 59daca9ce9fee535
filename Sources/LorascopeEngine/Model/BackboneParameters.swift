/// Offsets of one decoder layer's tensors in the backbone buffer.
public struct DecoderLayerOffsets: Sendable {
  public let inputNorm: Int
  public let linear: [LinearKind: Int]
  public let postAttentionNorm: Int
}

/// The backbone's parameters in one flat buffer, laid out in Hugging Face order
/// (Docs/Design.md §1, §6). Weights are [out, in] like PyTorch's nn.Linear.
public struct BackboneLayout: Sendable {
  public let config: ModelConfig
  public let tensors: TensorLayout
  public let embedding: Int
  public let layers: [DecoderLayerOffsets]
  public let finalNorm: Int
  public let lmHead: Int

  public init(config c: ModelConfig) {
    var t = TensorLayout()
    embedding = t.add("model.embed_tokens.weight", [c.vocabSize, c.hiddenSize])
    var layers: [DecoderLayerOffsets] = []
    for l in 0..<c.numLayers {
      let p = "model.layers.\(l)."
      let n1 = t.add(p + "input_layernorm.weight", [c.hiddenSize])
      var lin: [LinearKind: Int] = [:]
      for kind in LinearKind.allCases {
        lin[kind] = t.add(
          p + "\(kind.parent).\(kind.rawValue).weight", [kind.outFeatures(c), kind.inFeatures(c)])
      }
      let n2 = t.add(p + "post_attention_layernorm.weight", [c.hiddenSize])
      layers.append(DecoderLayerOffsets(inputNorm: n1, linear: lin, postAttentionNorm: n2))
    }
    self.layers = layers
    finalNorm = t.add("model.norm.weight", [c.hiddenSize])
    lmHead = t.add("lm_head.weight", [c.vocabSize, c.hiddenSize])
    config = c
    tensors = t
  }

  public var count: Int { tensors.totalCount }
}

extension BackboneLayout {
  /// Deterministic initialization from a seed: N(0, 0.02) for embeddings and linears
  /// (Hugging Face's `initializer_range`), ones for RMSNorm weights.
  public func initialize(_ buffer: FloatBuffer, seed: UInt64) {
    var rng = SeededRNG(seed: seed)
    for slot in tensors.slots {
      let p = buffer.pointer(slot.offset)
      if slot.shape.count == 1 {
        p.update(repeating: 1, count: slot.count)
      } else {
        for i in 0..<slot.count { p[i] = Float(rng.nextNormal() * 0.02) }
      }
    }
  }
}
