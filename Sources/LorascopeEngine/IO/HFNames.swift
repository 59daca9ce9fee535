/// Tensor names of a Hugging Face `LlamaForCausalLM` checkpoint (Docs/Design.md §6; `modeling_llama.py`).
enum HFNames {
  public static let embedTokens = "model.embed_tokens.weight"
  public static let finalNorm = "model.norm.weight"
  public static let lmHead = "lm_head.weight"

  /// `model.layers.{i}.input_layernorm.weight`
  public static func inputLayernorm(_ layer: Int) -> String { "model.layers.\(layer).input_layernorm.weight" }

  /// `model.layers.{i}.post_attention_layernorm.weight`
  public static func postAttentionLayernorm(_ layer: Int) -> String {
    "model.layers.\(layer).post_attention_layernorm.weight"
  }

  /// `model.layers.{i}.self_attn.q_proj.weight`, `model.layers.{i}.mlp.down_proj.weight`, ...
  public static func linear(_ layer: Int, _ kind: LinearKind) -> String {
    "model.layers.\(layer).\(kind.parent).\(kind.rawValue).weight"
  }

  /// Every tensor of the checkpoint with its shape ([out, in] for linears), in module order.
  /// No biases (`attention_bias`/`mlp_bias` false), untied `lm_head`, no GQA.
  public static func expectedTensors(for config: ModelConfig) -> [(name: String, shape: [Int])] {
    var list: [(name: String, shape: [Int])] = [(embedTokens, [config.vocabSize, config.hiddenSize])]
    for layer in 0..<max(config.numLayers, 0) {
      list.append((inputLayernorm(layer), [config.hiddenSize]))
      for kind in LinearKind.allCases {
        list.append((linear(layer, kind), [kind.outFeatures(config), kind.inFeatures(config)]))
      }
      list.append((postAttentionLayernorm(layer), [config.hiddenSize]))
    }
    list.append((finalNorm, [config.hiddenSize]))
    list.append((lmHead, [config.vocabSize, config.hiddenSize]))
    return list
  }
}
