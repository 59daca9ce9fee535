import Foundation
import Testing

@testable import LorascopeEngine

/// Hugging Face Llama and PEFT adapter directories (Docs/Design.md §6).
@Suite struct CheckpointDirectoryTests {
  static let config = ModelConfig(
    vocabSize: 11, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 12, maxPositions: 16,
    rmsNormEps: 1e-5, ropeTheta: 500_000)

  /// A fresh empty directory under the system temporary directory.
  static func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Deterministic, distinct values so that any mix-up of tensors or of elements shows.
  static func values(_ count: Int, salt: Int) -> [Float] {
    (0..<count).map { Float(($0 * 7 + salt * 13) % 97) / 97 - 0.5 }
  }

  static func backboneTensors(_ c: ModelConfig = config) throws -> [SafetensorsTensor] {
    try HFNames.expectedTensors(for: c).enumerated().map { i, spec in
      try SafetensorsTensor(name: spec.name, floats: values(spec.shape.reduce(1, *), salt: i), shape: spec.shape)
    }
  }

  static func adapterTensors(
    _ lora: LoRAConfig, _ c: ModelConfig = config, modulesToSave: Bool = false
  ) throws -> [SafetensorsTensor] {
    var list: [SafetensorsTensor] = []
    for layer in 0..<c.numLayers {
      for kind in lora.targets {
        let a = [lora.rank, kind.inFeatures(c)]
        let b = [kind.outFeatures(c), lora.rank]
        list.append(
          try SafetensorsTensor(name: PEFTNames.loraA(layer, kind), floats: values(a[0] * a[1], salt: layer), shape: a))
        list.append(
          try SafetensorsTensor(
            name: PEFTNames.loraB(layer, kind), floats: values(b[0] * b[1], salt: layer + 5), shape: b))
      }
    }
    if modulesToSave {
      let shape = [c.vocabSize, c.hiddenSize]
      list.append(
        try SafetensorsTensor(name: PEFTNames.embedTokens, floats: values(shape[0] * shape[1], salt: 1), shape: shape))
      list.append(
        try SafetensorsTensor(name: PEFTNames.lmHead, floats: values(shape[0] * shape[1], salt: 2), shape: shape))
    }
    return list
  }

  static func jsonObject(_ url: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
  }

  /// The message of the `LorascopeError` thrown by `body`, or a marker when nothing was thrown.
  static func errorMessage(_ body: () throws -> Void) -> String {
    do {
      try body()
      return "<no error>"
    } catch let error as LorascopeError {
      return error.description
    } catch {
      return "<not a LorascopeError: \(error)>"
    }
  }

  // MARK: - Names

  @Test func namesFollowHuggingFaceAndPEFT() {
    #expect(HFNames.embedTokens == "model.embed_tokens.weight")
    #expect(HFNames.inputLayernorm(3) == "model.layers.3.input_layernorm.weight")
    #expect(HFNames.postAttentionLayernorm(0) == "model.layers.0.post_attention_layernorm.weight")
    #expect(HFNames.linear(1, .q) == "model.layers.1.self_attn.q_proj.weight")
    #expect(HFNames.linear(2, .down) == "model.layers.2.mlp.down_proj.weight")
    #expect(HFNames.finalNorm == "model.norm.weight")
    #expect(HFNames.lmHead == "lm_head.weight")
    #expect(PEFTNames.loraA(0, .q) == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
    #expect(PEFTNames.loraB(3, .gate) == "base_model.model.model.layers.3.mlp.gate_proj.lora_B.weight")
    #expect(PEFTNames.embedTokens == "base_model.model.model.embed_tokens.weight")
    #expect(PEFTNames.lmHead == "base_model.model.lm_head.weight")
    let expected = HFNames.expectedTensors(for: Self.config)
    #expect(expected.count == 3 + 9 * Self.config.numLayers)
    #expect(expected.first { $0.name == HFNames.linear(0, .down) }?.shape == [8, 12])
    #expect(expected.first { $0.name == HFNames.linear(1, .up) }?.shape == [12, 8])
  }

  // MARK: - Hugging Face Llama

  @Test func llamaDirectoryRoundTripsByteForByte() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let tensors = try Self.backboneTensors()
    let first = root.appendingPathComponent("backbone")
    try HuggingFaceLlamaDirectory.write(config: Self.config, tensors: tensors, to: first)

    let (config, read) = try HuggingFaceLlamaDirectory.read(from: first)
    #expect(config == Self.config)
    #expect(read.count == tensors.count)
    for tensor in tensors { #expect(read[tensor.name] == tensor) }

    let second = root.appendingPathComponent("again")
    try HuggingFaceLlamaDirectory.write(config: config, tensors: Array(read.values), to: second)
    for file in ["config.json", "model.safetensors"] {
      #expect(
        try Data(contentsOf: first.appendingPathComponent(file))
          == Data(contentsOf: second.appendingPathComponent(file)))
    }
    let entries = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
    #expect(entries == ["again", "backbone"])  // no temporary leftovers
  }

  @Test func configJSONSpellsOutEveryField() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    try HuggingFaceLlamaDirectory.write(
      config: Self.config, tensors: try Self.backboneTensors(), to: root.appendingPathComponent("m"))
    let url = root.appendingPathComponent("m/config.json")
    let json = try Self.jsonObject(url)
    #expect(
      Set(json.keys) == [
        "architectures", "model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act", "max_position_embeddings",
        "rms_norm_eps", "rope_theta", "rope_scaling", "attention_bias", "attention_dropout", "mlp_bias",
        "tie_word_embeddings", "pretraining_tp", "bos_token_id", "eos_token_id", "pad_token_id",
        "initializer_range", "use_cache", "torch_dtype",
      ])
    #expect(json["architectures"] as? [String] == ["LlamaForCausalLM"])
    #expect(json["model_type"] as? String == "llama")
    #expect(json["vocab_size"] as? Int == 11)
    #expect(json["hidden_size"] as? Int == 8)
    #expect(json["intermediate_size"] as? Int == 12)
    #expect(json["num_hidden_layers"] as? Int == 2)
    #expect(json["num_attention_heads"] as? Int == 2)
    #expect(json["num_key_value_heads"] as? Int == 2)
    #expect(json["head_dim"] as? Int == 4)
    #expect(json["hidden_act"] as? String == "silu")
    #expect(json["max_position_embeddings"] as? Int == 16)
    #expect(json["rope_scaling"] is NSNull)
    #expect(json["torch_dtype"] as? String == "float32")
    #expect(json["pad_token_id"] as? Int == 0)
    #expect(json["bos_token_id"] as? Int == 1)
    #expect(json["eos_token_id"] as? Int == 2)
    // Python's spelling of the floats and booleans, as transformers writes them.
    let text = try String(contentsOf: url, encoding: .utf8)
    for line in [
      "\"rms_norm_eps\": 1e-05,", "\"rope_theta\": 500000.0,", "\"attention_dropout\": 0.0,",
      "\"initializer_range\": 0.02,", "\"tie_word_embeddings\": false,", "\"attention_bias\": false,",
      "\"mlp_bias\": false,", "\"use_cache\": true,", "\"pretraining_tp\": 1,", "\"rope_scaling\": null,",
    ] {
      #expect(text.contains("  " + line), "config.json lacks \(line)")
    }
    #expect(text.hasPrefix("{\n  \"architectures\": [\n    \"LlamaForCausalLM\"\n  ],\n  \"attention_bias\": false,"))
    #expect(text.hasSuffix("  \"vocab_size\": 11\n}\n"))
  }

  /// Writes a backbone, then replaces its config.json with `configText`.
  static func backbone(withConfig configText: String, in root: URL) throws -> URL {
    let dir = root.appendingPathComponent("model")
    try HuggingFaceLlamaDirectory.write(config: config, tensors: try backboneTensors(), to: dir)
    try Data(configText.utf8).write(to: dir.appendingPathComponent("config.json"))
    return dir
  }

  static let transformersV5Config = """
    {
      "attention_bias": false,
      "attention_dropout": 0.0,
      "bos_token_id": 1,
      "dtype": "float32",
      "eos_token_id": 2,
      "hidden_act": "silu",
      "hidden_size": 8,
      "initializer_range": 0.02,
      "intermediate_size": 12,
      "max_position_embeddings": 16,
      "mlp_bias": false,
      "model_type": "llama",
      "num_attention_heads": 2,
      "num_hidden_layers": 2,
      "pad_token_id": null,
      "pretraining_tp": 1,
      "rms_norm_eps": 1e-05,
      "rope_parameters": {
        "rope_theta": 500000.0,
        "rope_type": "default"
      },
      "tie_word_embeddings": false,
      "transformers_version": "5.0.0",
      "use_cache": true,
      "vocab_size": 11
    }
    """

  @Test func acceptsATransformersV5Config() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = try Self.backbone(withConfig: Self.transformersV5Config, in: root)
    let (config, tensors) = try HuggingFaceLlamaDirectory.read(from: dir)
    #expect(config == Self.config)  // rope_theta from rope_parameters, head_dim and kv heads derived
    #expect(tensors.count == HFNames.expectedTensors(for: config).count)
  }

  @Test(arguments: [
    (
      "\"num_attention_heads\": 2,", "\"num_attention_heads\": 2, \"num_key_value_heads\": 1,",
      "grouped-query attention is not supported"
    ),
    (
      "\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true",
      "tied input and output embeddings are not supported"
    ),
    ("\"model_type\": \"llama\"", "\"model_type\": \"mistral\"", "model_type \"mistral\" is not \"llama\""),
    ("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\"", "hidden_act \"gelu\" is not supported"),
    ("\"rope_type\": \"default\"", "\"rope_type\": \"linear\", \"factor\": 2.0", "type \"linear\" is not supported"),
    (
      "\"num_attention_heads\": 2,", "\"num_attention_heads\": 2, \"head_dim\": 8,",
      "only head_dim = hidden_size / heads"
    ),
    ("\"mlp_bias\": false", "\"mlp_bias\": true", "mlp_bias is true"),
    ("\"hidden_size\": 8", "\"hidden_size\": 8.5", "\"hidden_size\" is 8.5, not an integer"),
    ("\"vocab_size\": 11", "\"vocab_size\": 11, \"vocab_size\": 12", "duplicate key \"vocab_size\""),
    (
      "\"mlp_bias\": false,", "\"rope_theta\": 10000.0, \"mlp_bias\": false,",
      "disagrees with rope_parameters.rope_theta"
    ),
  ])
  func rejectsUnsupportedConfigs(original: String, replacement: String, message: String) throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let text = Self.transformersV5Config.replacingOccurrences(of: original, with: replacement)
    #expect(text != Self.transformersV5Config)
    let dir = try Self.backbone(withConfig: text, in: root)
    let error = Self.errorMessage { _ = try HuggingFaceLlamaDirectory.readConfig(from: dir) }
    #expect(error.contains(message), "got \(error)")
    #expect(error.contains("config.json"))
  }

  @Test func llamaReaderBoundsHostileSizesByTheWeightsFile() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let huge = Self.transformersV5Config.replacingOccurrences(
      of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": 4000000000000")
    let dir = try Self.backbone(withConfig: huge, in: root)
    let error = Self.errorMessage { _ = try HuggingFaceLlamaDirectory.read(from: dir) }
    #expect(error.contains("declares 4000000000000 layers, but the file holds only 21 tensors"), "got \(error)")
    let overflowing = Self.transformersV5Config.replacingOccurrences(
      of: "\"num_attention_heads\": 2,", with: "\"num_attention_heads\": 2, \"head_dim\": 4611686018427387904,")
    let dir2 = try Self.backbone(withConfig: overflowing, in: root.appendingPathComponent("2"))
    #expect(Self.errorMessage { _ = try HuggingFaceLlamaDirectory.readConfig(from: dir2) }.contains("head_dim"))
  }

  @Test func llamaWriterRejectsIncompleteOrMisshapenTensors() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = root.appendingPathComponent("model")
    var tensors = try Self.backboneTensors()
    let missing = tensors.removeLast()
    #expect(
      Self.errorMessage { try HuggingFaceLlamaDirectory.write(config: Self.config, tensors: tensors, to: dir) }
        .contains("missing tensor \(missing.name)"))
    tensors.append(try SafetensorsTensor(name: missing.name, floats: Self.values(88, salt: 0), shape: [8, 11]))
    #expect(
      Self.errorMessage { try HuggingFaceLlamaDirectory.write(config: Self.config, tensors: tensors, to: dir) }
        .contains("has shape [8, 11], expected [11, 8]"))
    #expect(!FileManager.default.fileExists(atPath: dir.path))
  }

  @Test func llamaReaderRejectsWeightsThatDoNotMatchTheConfig() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = try Self.backbone(withConfig: Self.transformersV5Config, in: root)
    var file = try SafetensorsFile(tensors: Self.backboneTensors())
    file.tensors["model.layers.0.self_attn.q_proj.bias"] = try SafetensorsTensor(
      name: "model.layers.0.self_attn.q_proj.bias", floats: Self.values(8, salt: 3), shape: [8])
    try file.write(to: dir.appendingPathComponent("model.safetensors"))
    #expect(
      Self.errorMessage { _ = try HuggingFaceLlamaDirectory.read(from: dir) }
        .contains("unexpected tensor model.layers.0.self_attn.q_proj.bias"))

    file.tensors["model.layers.0.self_attn.q_proj.bias"] = nil
    file.tensors[HFNames.finalNorm] = try SafetensorsTensor(
      name: HFNames.finalNorm, doubles: Array(repeating: 1, count: 8), shape: [8])
    try file.write(to: dir.appendingPathComponent("model.safetensors"))
    #expect(
      Self.errorMessage { _ = try HuggingFaceLlamaDirectory.read(from: dir) }
        .contains("tensor model.norm.weight is F64; only F32 checkpoints are supported"))
  }

  // MARK: - PEFT adapter

  @Test(arguments: [false, true])
  func adapterDirectoryRoundTripsByteForByte(modulesToSave: Bool) throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let lora = LoRAConfig(rank: 2, alpha: 4, targets: [.q, .v, .down], dropout: 0.05)
    let tensors = try Self.adapterTensors(lora, modulesToSave: modulesToSave)
    let first = root.appendingPathComponent("stage_1")
    try PEFTAdapterDirectory.write(lora: lora, baseModelPath: "../backbone", tensors: tensors, to: first)

    let read = try PEFTAdapterDirectory.read(from: first, model: Self.config)
    #expect(read.lora == lora)
    #expect(read.baseModelPath == "../backbone")
    #expect(read.tensors.count == tensors.count)
    for tensor in tensors { #expect(read.tensors[tensor.name] == tensor) }

    let second = root.appendingPathComponent("stage_1_again")
    try PEFTAdapterDirectory.write(
      lora: read.lora, baseModelPath: read.baseModelPath, tensors: Array(read.tensors.values), to: second)
    for file in ["adapter_config.json", "adapter_model.safetensors"] {
      #expect(
        try Data(contentsOf: first.appendingPathComponent(file))
          == Data(contentsOf: second.appendingPathComponent(file)))
    }

    let json = try Self.jsonObject(first.appendingPathComponent("adapter_config.json"))
    #expect(
      Set(json.keys) == [
        "peft_type", "task_type", "base_model_name_or_path", "r", "lora_alpha", "lora_dropout", "bias",
        "target_modules", "fan_in_fan_out", "modules_to_save", "inference_mode", "init_lora_weights",
        "use_rslora", "use_dora",
      ])
    #expect(json["peft_type"] as? String == "LORA")
    #expect(json["task_type"] as? String == "CAUSAL_LM")
    #expect(json["r"] as? Int == 2)
    #expect(json["lora_alpha"] as? Int == 4)
    #expect(json["bias"] as? String == "none")
    #expect(json["target_modules"] as? [String] == ["q_proj", "v_proj", "down_proj"])
    #expect(json["inference_mode"] as? Bool == true)
    if modulesToSave {
      #expect(json["modules_to_save"] as? [String] == ["embed_tokens", "lm_head"])
    } else {
      #expect(json["modules_to_save"] is NSNull)
    }
    let text = try String(contentsOf: first.appendingPathComponent("adapter_config.json"), encoding: .utf8)
    #expect(text.contains("  \"lora_dropout\": 0.05,\n"))
  }

  /// What PEFT 0.21 `save_pretrained` wrote for a LoRA on q_proj and down_proj (trimmed of
  /// fields that are null or default), to check that its extra fields are accepted.
  static let peftConfig = """
    {
      "alora_invocation_tokens": null,
      "alpha_pattern": {},
      "base_model_name_or_path": null,
      "bias": "none",
      "exclude_modules": null,
      "fan_in_fan_out": false,
      "inference_mode": true,
      "init_lora_weights": true,
      "layer_replication": null,
      "layers_pattern": null,
      "layers_to_transform": null,
      "loftq_config": {},
      "lora_alpha": 4,
      "lora_bias": false,
      "lora_dropout": 0.0,
      "megatron_core": "megatron.core",
      "modules_to_save": null,
      "peft_type": "LORA",
      "peft_version": "0.21.2",
      "r": 2,
      "rank_pattern": {},
      "revision": null,
      "target_modules": [
        "down_proj",
        "q_proj"
      ],
      "target_parameters": null,
      "task_type": "CAUSAL_LM",
      "trainable_token_indices": null,
      "use_dora": false,
      "use_qalora": false,
      "use_rslora": false
    }
    """

  /// Writes an adapter on q_proj and down_proj, then replaces its config with `configText`.
  static func adapter(withConfig configText: String, in root: URL) throws -> URL {
    let lora = LoRAConfig(rank: 2, alpha: 4, targets: [.q, .down])
    let dir = root.appendingPathComponent("adapter")
    try PEFTAdapterDirectory.write(lora: lora, baseModelPath: "", tensors: try adapterTensors(lora), to: dir)
    try Data(configText.utf8).write(to: dir.appendingPathComponent("adapter_config.json"))
    return dir
  }

  @Test func acceptsAnAdapterConfigWrittenByPEFT() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = try Self.adapter(withConfig: Self.peftConfig, in: root)
    let read = try PEFTAdapterDirectory.read(from: dir, model: Self.config)
    #expect(read.lora == LoRAConfig(rank: 2, alpha: 4, targets: [.q, .down], dropout: 0))
    #expect(read.baseModelPath == "")
  }

  @Test(arguments: [
    ("\"q_proj\"", "\"qkv_proj\"", "unknown target module \"qkv_proj\""),
    ("\"down_proj\",\n    \"q_proj\"", "\"q_proj\"", "adapts down_proj, which is not in target_modules"),
    ("\"use_dora\": false", "\"use_dora\": true", "use_dora true is not supported"),
    ("\"rank_pattern\": {}", "\"rank_pattern\": {\"q_proj\": 4}", "rank_pattern {\"q_proj\":4} is not supported"),
    ("\"r\": 2", "\"r\": 4", "but r is 4"),
    ("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"", "peft_type \"IA3\" is not \"LORA\""),
    (
      "\"modules_to_save\": null", "\"modules_to_save\": [\"embed_tokens\"]",
      "but tensor base_model.model.model.embed_tokens.weight is missing"
    ),
    ("\"modules_to_save\": null", "\"modules_to_save\": [\"score\"]", "modules_to_save \"score\" is not supported"),
  ])
  func rejectsUnsupportedAdapterConfigs(original: String, replacement: String, message: String) throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let text = Self.peftConfig.replacingOccurrences(of: original, with: replacement)
    #expect(text != Self.peftConfig)
    let dir = try Self.adapter(withConfig: text, in: root)
    let error = Self.errorMessage { _ = try PEFTAdapterDirectory.read(from: dir) }
    #expect(error.contains(message), "got \(error)")
  }

  @Test func rejectsAdapterKeysPEFTNeverSaves() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = try Self.adapter(withConfig: Self.peftConfig, in: root)
    let weights = dir.appendingPathComponent("adapter_model.safetensors")
    var file = try SafetensorsFile.read(from: weights)
    let name = PEFTNames.loraA(0, .q)
    let withDefault = name.replacingOccurrences(of: "lora_A.weight", with: "lora_A.default.weight")
    file.tensors[withDefault] = file.tensors.removeValue(forKey: name)
    try file.write(to: weights)
    let error = Self.errorMessage { _ = try PEFTAdapterDirectory.read(from: dir) }
    #expect(error.contains("unexpected tensor \(withDefault)"), "got \(error)")
    #expect(error.contains("adapter_model.safetensors"))
  }

  @Test func adapterReaderChecksTheModelWhenGiven() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = try Self.adapter(withConfig: Self.peftConfig, in: root)
    var bigger = Self.config
    bigger.numLayers = 3
    #expect(
      Self.errorMessage { _ = try PEFTAdapterDirectory.read(from: dir, model: bigger) }
        .contains("missing tensor base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight"))
    var wider = Self.config
    wider.intermediateSize = 16
    #expect(
      Self.errorMessage { _ = try PEFTAdapterDirectory.read(from: dir, model: wider) }
        .contains("expected [2, 16]"))
  }

  @Test func adapterWriterRejectsInconsistentTensors() throws {
    let root = try Self.scratchDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let lora = LoRAConfig(rank: 2, alpha: 4, targets: [.q, .v])
    var tensors = try Self.adapterTensors(lora)
    tensors.removeAll { $0.name == PEFTNames.loraB(1, .v) }
    let dir = root.appendingPathComponent("adapter")
    #expect(
      Self.errorMessage { try PEFTAdapterDirectory.write(lora: lora, baseModelPath: "", tensors: tensors, to: dir) }
        .contains("missing tensor \(PEFTNames.loraB(1, .v))"))
    #expect(
      Self.errorMessage {
        try PEFTAdapterDirectory.write(
          lora: LoRAConfig(rank: 2, targets: []), baseModelPath: "", tensors: tensors, to: dir)
      }.contains("no target modules"))
    #expect(!FileManager.default.fileExists(atPath: dir.path))
  }
}
