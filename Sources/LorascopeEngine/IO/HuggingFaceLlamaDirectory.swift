import Foundation

/// A Hugging Face `LlamaForCausalLM` directory: `config.json` + `model.safetensors` (Docs/Design.md §6),
/// loadable by `AutoModelForCausalLM.from_pretrained` with no missing or unexpected keys.
enum HuggingFaceLlamaDirectory {
  public static let configFileName = "config.json"
  public static let weightsFileName = "model.safetensors"

  /// Writes `config.json` and `model.safetensors` into `dir`, replacing it atomically.
  ///
  /// `tensors` must be exactly `HFNames.expectedTensors(for: config)`: F32, the listed shapes,
  /// nothing missing, nothing extra (otherwise `transformers` would warn about missing or
  /// unexpected keys and initialise weights at random).
  public static func write(config: ModelConfig, tensors: [SafetensorsTensor], to dir: URL) throws {
    func fail(_ why: String) -> LorascopeError { .invalidConfiguration("cannot export \(dir.path): \(why)") }
    try config.validate()
    guard config.rmsNormEps.isFinite, config.rmsNormEps > 0 else { throw fail("rms_norm_eps must be positive") }
    guard config.ropeTheta.isFinite, config.ropeTheta > 0 else { throw fail("rope_theta must be positive") }

    let file = try SafetensorsFile(tensors: tensors)
    let expected = HFNames.expectedTensors(for: config)
    for (name, shape) in expected {
      guard let tensor = file.tensors[name] else { throw fail("missing tensor \(name)") }
      guard tensor.dtype == .F32 else { throw fail("tensor \(name) is \(tensor.dtype.rawValue), not F32") }
      guard tensor.shape == shape else { throw fail("tensor \(name) has shape \(tensor.shape), expected \(shape)") }
    }
    let expectedNames = Set(expected.map(\.name))
    if let extra = file.tensors.keys.sorted().first(where: { !expectedNames.contains($0) }) {
      throw fail("unexpected tensor \(extra)")
    }

    let configData = Data(configJSON(for: config).utf8)
    let weightsData = file.encode()
    try AtomicFile.replaceDirectory(at: dir) { temporary in
      try AtomicFile.write(configData, to: temporary.appendingPathComponent(configFileName))
      try AtomicFile.write(weightsData, to: temporary.appendingPathComponent(weightsFileName))
    }
  }

  /// Reads a directory written by this engine or by `transformers` v4/v5 `save_pretrained`
  /// (fp32, single file). Returns only the tensors of `HFNames.expectedTensors(for:)`.
  public static func read(from dir: URL) throws -> (config: ModelConfig, tensors: [String: SafetensorsTensor]) {
    let config = try readConfig(from: dir)
    let weightsURL = dir.appendingPathComponent(weightsFileName)
    let fileManager = FileManager.default
    if !fileManager.fileExists(atPath: weightsURL.path) {
      if fileManager.fileExists(atPath: dir.appendingPathComponent("model.safetensors.index.json").path) {
        throw LorascopeError.invalidFile(
          path: dir.path, reason: "sharded checkpoints (model.safetensors.index.json) are not supported")
      }
      if fileManager.fileExists(atPath: dir.appendingPathComponent("pytorch_model.bin").path) {
        throw LorascopeError.invalidFile(
          path: dir.path, reason: "only safetensors weights are supported (found pytorch_model.bin)")
      }
      throw LorascopeError.invalidFile(path: dir.path, reason: "no \(weightsFileName)")
    }

    func fail(_ why: String) -> LorascopeError { .invalidFile(path: weightsURL.path, reason: why) }
    var remaining = try SafetensorsFile.read(from: weightsURL).tensors
    // Bound the layer count by the file before listing the expected tensors (9 per layer).
    guard config.numLayers <= remaining.count / 9 else {
      throw fail("config.json declares \(config.numLayers) layers, but the file holds only \(remaining.count) tensors")
    }
    var tensors: [String: SafetensorsTensor] = [:]
    for (name, shape) in HFNames.expectedTensors(for: config) {
      guard let tensor = remaining.removeValue(forKey: name) else { throw fail("missing tensor \(name)") }
      guard tensor.dtype == .F32 else {
        throw fail("tensor \(name) is \(tensor.dtype.rawValue); only F32 checkpoints are supported")
      }
      guard tensor.shape == shape else {
        throw fail("tensor \(name) has shape \(tensor.shape), but config.json implies \(shape)")
      }
      tensors[name] = tensor
    }
    // transformers < 4.31 saved the RoPE buffers; they are recomputed from rope_theta.
    let unexpected = remaining.keys.filter { !$0.hasSuffix(".rotary_emb.inv_freq") }.sorted()
    if let first = unexpected.first {
      throw fail("unexpected tensor \(first)" + (unexpected.count > 1 ? " and \(unexpected.count - 1) more" : ""))
    }
    return (config, tensors)
  }

  /// Reads `config.json` alone, accepting the spellings of transformers v4 and v5.
  ///
  /// v5 may keep `rope_theta` inside `rope_parameters` and omit `architectures`; `head_dim` and
  /// `num_key_value_heads` may be absent (then hidden/heads and heads). Rejected with a message:
  /// another architecture, grouped-query attention, a head_dim other than hidden/heads, tied
  /// embeddings, biases, an activation other than SiLU, RoPE scaling.
  public static func readConfig(from dir: URL) throws -> ModelConfig {
    let url = dir.appendingPathComponent(configFileName)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw LorascopeError.invalidFile(
        path: dir.path, reason: "no \(configFileName): not a Hugging Face model directory")
    }
    return try parseConfig(JSONConfigReader(contentsOf: url))
  }

  // MARK: - config.json

  /// `config.json` with every field spelled out, as `transformers` writes it (sorted keys, indent 2).
  static func configJSON(for c: ModelConfig) -> String {
    let members: [JSONMember] = [
      JSONMember("architectures", .array([.string("LlamaForCausalLM")])),
      JSONMember("model_type", .string("llama")),
      JSONMember("vocab_size", .integer(c.vocabSize)),
      JSONMember("hidden_size", .integer(c.hiddenSize)),
      JSONMember("intermediate_size", .integer(c.intermediateSize)),
      JSONMember("num_hidden_layers", .integer(c.numLayers)),
      JSONMember("num_attention_heads", .integer(c.numHeads)),
      JSONMember("num_key_value_heads", .integer(c.numHeads)),
      JSONMember("head_dim", .integer(c.headDim)),
      JSONMember("hidden_act", .string("silu")),
      JSONMember("max_position_embeddings", .integer(c.maxPositions)),
      JSONMember("rms_norm_eps", .float(c.rmsNormEps)),
      JSONMember("rope_theta", .float(c.ropeTheta)),
      JSONMember("rope_scaling", .null),
      JSONMember("attention_bias", .bool(false)),
      JSONMember("attention_dropout", .number("0.0")),
      JSONMember("mlp_bias", .bool(false)),
      JSONMember("tie_word_embeddings", .bool(false)),
      JSONMember("pretraining_tp", .integer(1)),
      JSONMember("bos_token_id", .integer(1)),
      JSONMember("eos_token_id", .integer(2)),
      JSONMember("pad_token_id", .integer(0)),
      JSONMember("initializer_range", .number("0.02")),
      JSONMember("use_cache", .bool(true)),
      JSONMember("torch_dtype", .string("float32")),
    ]
    return JSONText.pythonPretty(.object(members))
  }

  private static func parseConfig(_ r: JSONConfigReader) throws -> ModelConfig {
    guard let modelType = try r.string("model_type") else { throw r.fail("\"model_type\" is missing") }
    guard modelType == "llama" else { throw r.fail("model_type \"\(modelType)\" is not \"llama\"") }
    if let architectures = r.value("architectures") {
      guard let names = architectures.arrayValue?.compactMap(\.stringValue), names.contains("LlamaForCausalLM") else {
        throw r.fail("architectures \(architectures.snippet) does not list LlamaForCausalLM")
      }
    }

    let hidden = try r.requiredInt("hidden_size")
    let heads = try r.requiredInt("num_attention_heads")
    guard heads > 0 else { throw r.fail("num_attention_heads must be positive") }
    let kvHeads = try r.int("num_key_value_heads") ?? heads
    guard kvHeads == heads else {
      throw r.fail(
        "num_key_value_heads \(kvHeads) differs from num_attention_heads \(heads): "
          + "grouped-query attention is not supported")
    }
    if let headDim = try r.int("head_dim"), hidden % heads != 0 || headDim != hidden / heads {
      throw r.fail(
        "head_dim \(headDim) with \(heads) heads does not fit hidden_size \(hidden): "
          + "only head_dim = hidden_size / heads is supported")
    }
    let activation = try r.string("hidden_act") ?? "silu"
    guard activation == "silu" else { throw r.fail("hidden_act \"\(activation)\" is not supported (only silu)") }
    if try r.bool("tie_word_embeddings") == true {
      throw r.fail("tie_word_embeddings is true: tied input and output embeddings are not supported")
    }
    for key in ["attention_bias", "mlp_bias"] where try r.bool(key) == true {
      throw r.fail("\(key) is true: biases are not supported")
    }

    let eps = try r.double("rms_norm_eps") ?? 1e-6
    guard eps > 0, Float(eps).isNormal else { throw r.fail("rms_norm_eps \(eps) is not a positive 32-bit float") }
    let theta = try ropeTheta(r)
    let config = ModelConfig(
      vocabSize: try r.requiredInt("vocab_size"), hiddenSize: hidden, numLayers: try r.requiredInt("num_hidden_layers"),
      numHeads: heads, intermediateSize: try r.requiredInt("intermediate_size"),
      maxPositions: try r.int("max_position_embeddings") ?? 2048,
      rmsNormEps: Float(eps), ropeTheta: Float(theta))
    do {
      try config.validate()
    } catch LorascopeError.invalidConfiguration(let why) {
      throw r.fail(why)
    }
    return config
  }

  /// `rope_theta` at the top level (v4) or in `rope_parameters` (v5), default 10000; only the
  /// default RoPE type, at full rotary dimension.
  private static func ropeTheta(_ r: JSONConfigReader) throws -> Double {
    let legacy = try r.double("rope_theta")
    var nested: Double?
    for key in ["rope_parameters", "rope_scaling"] {
      guard let value = r.value(key) else { continue }
      guard let members = value.objectMembers else { throw r.fail("\"\(key)\" is \(value.snippet), not an object") }
      if let perLayer = members.first(where: { $0.value.objectMembers != nil }) {
        throw r.fail("\"\(key)\" has per-layer-type entries (\"\(perLayer.key)\"), which are not supported")
      }
      let type = value["rope_type"]?.stringValue ?? value["type"]?.stringValue ?? "default"
      guard type == "default" else { throw r.fail("\(key) type \"\(type)\" is not supported (only default RoPE)") }
      if let factor = value["partial_rotary_factor"], factor.doubleValue != 1 {
        throw r.fail("\(key).partial_rotary_factor \(factor.snippet) is not supported (only 1)")
      }
      if let thetaValue = value["rope_theta"], !thetaValue.isNull {
        guard let theta = thetaValue.doubleValue else {
          throw r.fail("\(key).rope_theta is \(thetaValue.snippet), not a finite number")
        }
        nested = theta
      }
    }
    if let legacy, let nested, legacy != nested {
      throw r.fail("rope_theta \(legacy) disagrees with rope_parameters.rope_theta \(nested)")
    }
    let theta = nested ?? legacy ?? 10000
    guard theta > 0, Float(theta).isNormal else { throw r.fail("rope_theta \(theta) is not a positive 32-bit float") }
    return theta
  }
}
