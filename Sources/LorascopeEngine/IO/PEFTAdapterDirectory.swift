import Foundation

/// A PEFT LoRA adapter directory: `adapter_config.json` + `adapter_model.safetensors`
/// (Docs/Design.md §6), loadable by `PeftModel.from_pretrained(base, dir)` with no missing or
/// unexpected keys.
enum PEFTAdapterDirectory {
  public static let configFileName = "adapter_config.json"
  public static let weightsFileName = "adapter_model.safetensors"

  /// Writes the adapter into `dir`, replacing it atomically.
  ///
  /// `tensors` are the `PEFTNames.loraA`/`loraB` of every target in every layer, optionally with
  /// `PEFTNames.embedTokens`/`lmHead` (then listed in `modules_to_save`). The config holds only
  /// long-standing fields, so that older PEFT versions accept it too.
  public static func write(lora: LoRAConfig, baseModelPath: String, tensors: [SafetensorsTensor], to dir: URL) throws {
    func fail(_ why: String) -> LorascopeError { .invalidConfiguration("cannot export \(dir.path): \(why)") }
    try checkSettings(lora, fail: fail)
    let file = try SafetensorsFile(tensors: tensors)
    let modulesToSave = PEFTAdapterTensors.modulesToSave(in: file.tensors)
    try PEFTAdapterTensors.check(file.tensors, lora: lora, modulesToSave: modulesToSave, model: nil, fail: fail)

    let configData = Data(configJSON(lora: lora, baseModelPath: baseModelPath, modulesToSave: modulesToSave).utf8)
    let weightsData = file.encode()
    try AtomicFile.replaceDirectory(at: dir) { temporary in
      try AtomicFile.write(configData, to: temporary.appendingPathComponent(configFileName))
      try AtomicFile.write(weightsData, to: temporary.appendingPathComponent(weightsFileName))
    }
  }

  /// Reads an adapter written by this engine or by PEFT's `save_pretrained`.
  ///
  /// The returned `targets` are in `LinearKind.allCases` order (PEFT saves them sorted by name).
  /// With `model`, the layer count and every shape are also checked against that backbone.
  public static func read(
    from dir: URL, model: ModelConfig? = nil
  ) throws -> (lora: LoRAConfig, baseModelPath: String, tensors: [String: SafetensorsTensor]) {
    let configURL = dir.appendingPathComponent(configFileName)
    guard FileManager.default.fileExists(atPath: configURL.path) else {
      throw LorascopeError.invalidFile(path: dir.path, reason: "no \(configFileName): not a PEFT adapter directory")
    }
    let reader = try JSONConfigReader(contentsOf: configURL)
    let (lora, baseModelPath, modulesToSave) = try parseConfig(reader)

    let weightsURL = dir.appendingPathComponent(weightsFileName)
    guard FileManager.default.fileExists(atPath: weightsURL.path) else {
      if FileManager.default.fileExists(atPath: dir.appendingPathComponent("adapter_model.bin").path) {
        throw LorascopeError.invalidFile(
          path: dir.path, reason: "only safetensors adapters are supported (found adapter_model.bin)")
      }
      throw LorascopeError.invalidFile(path: dir.path, reason: "no \(weightsFileName)")
    }
    let tensors = try SafetensorsFile.read(from: weightsURL).tensors
    try PEFTAdapterTensors.check(
      tensors, lora: lora, modulesToSave: modulesToSave, model: model,
      fail: { .invalidFile(path: weightsURL.path, reason: $0) })
    return (lora, baseModelPath, tensors)
  }

  // MARK: - adapter_config.json

  /// The long-standing fields of `LoraConfig` (Docs/Design.md §C.2), spelled like PEFT (sorted, indent 2).
  static func configJSON(lora: LoRAConfig, baseModelPath: String, modulesToSave: [String]) -> String {
    let alpha: JSONValue =
      lora.alpha == lora.alpha.rounded() && abs(lora.alpha) < 1e9 ? .integer(Int(lora.alpha)) : .float(lora.alpha)
    let members: [JSONMember] = [
      JSONMember("peft_type", .string("LORA")),
      JSONMember("task_type", .string("CAUSAL_LM")),
      JSONMember("base_model_name_or_path", .string(baseModelPath)),
      JSONMember("r", .integer(lora.rank)),
      JSONMember("lora_alpha", alpha),
      JSONMember("lora_dropout", .float(lora.dropout)),
      JSONMember("bias", .string("none")),
      JSONMember("target_modules", .array(canonicalTargets(lora.targets).map { .string($0.rawValue) })),
      JSONMember("fan_in_fan_out", .bool(false)),
      JSONMember("modules_to_save", modulesToSave.isEmpty ? .null : .array(modulesToSave.map(JSONValue.string))),
      JSONMember("inference_mode", .bool(true)),
      JSONMember("init_lora_weights", .bool(true)),
      JSONMember("use_rslora", .bool(false)),
      JSONMember("use_dora", .bool(false)),
    ]
    return JSONText.pythonPretty(.object(members))
  }

  /// Settings that change the forward pass or the saved keys; each must be off (null, false or
  /// empty) because the engine implements plain LoRA, y = W x + (alpha/r)·B(A x).
  private static let unsupportedWhenSet = [
    "fan_in_fan_out", "use_rslora", "use_dora", "lora_bias", "use_qalora", "rank_pattern", "alpha_pattern",
    "layers_to_transform", "layer_replication", "exclude_modules", "trainable_token_indices",
    "target_parameters", "alora_invocation_tokens",
  ]

  private static func parseConfig(
    _ r: JSONConfigReader
  ) throws -> (lora: LoRAConfig, baseModelPath: String, modulesToSave: [String]) {
    guard let peftType = try r.string("peft_type") else { throw r.fail("\"peft_type\" is missing") }
    guard peftType == "LORA" else { throw r.fail("peft_type \"\(peftType)\" is not \"LORA\"") }
    if let task = try r.string("task_type"), task != "CAUSAL_LM" {
      throw r.fail("task_type \"\(task)\" is not \"CAUSAL_LM\"")
    }
    let bias = try r.string("bias") ?? "none"
    guard bias == "none" else { throw r.fail("bias \"\(bias)\" is not supported (only \"none\")") }
    for key in unsupportedWhenSet {
      guard let value = r.value(key) else { continue }
      switch value {
      case .bool(false), .array([]), .object([]): continue
      default: throw r.fail("\(key) \(value.snippet) is not supported")
      }
    }

    guard let targetsValue = r.value("target_modules") else { throw r.fail("\"target_modules\" is missing") }
    if let pattern = targetsValue.stringValue {
      throw r.fail("target_modules \"\(pattern)\" is a pattern; only an explicit list of module names is supported")
    }
    guard let targetNames = targetsValue.arrayValue?.map(\.stringValue), !targetNames.isEmpty else {
      throw r.fail("target_modules \(targetsValue.snippet) is not a non-empty list of module names")
    }
    var targets: [LinearKind] = []
    for name in targetNames {
      guard let name, let kind = LinearKind(rawValue: name) else {
        let supported = LinearKind.allCases.map(\.rawValue).joined(separator: ", ")
        throw r.fail("unknown target module \(name.map { "\"\($0)\"" } ?? "(not a string)") (supported: \(supported))")
      }
      targets.append(kind)
    }

    var modulesToSave: [String] = []
    if let value = r.value("modules_to_save") {
      guard let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count else {
        throw r.fail("modules_to_save \(value.snippet) is not a list of module names")
      }
      for name in names where !PEFTAdapterTensors.supportedModulesToSave.contains(name) {
        throw r.fail("modules_to_save \"\(name)\" is not supported (only embed_tokens, lm_head)")
      }
      modulesToSave = PEFTAdapterTensors.supportedModulesToSave.filter(names.contains)
    }

    let rank = try r.int("r") ?? 8
    let alpha = try r.double("lora_alpha") ?? 8
    let dropout = try r.double("lora_dropout") ?? 0
    let lora = LoRAConfig(
      rank: rank, alpha: Float(alpha), targets: canonicalTargets(targets), dropout: Float(dropout))
    try checkSettings(lora, fail: r.fail)
    return (lora, try r.string("base_model_name_or_path") ?? "", modulesToSave)
  }

  /// Rank, alpha, dropout and targets that plain LoRA can use.
  private static func checkSettings(_ lora: LoRAConfig, fail: (String) -> LorascopeError) throws {
    guard lora.rank > 0 else { throw fail("r \(lora.rank) must be positive") }
    guard lora.alpha.isFinite, lora.alpha > 0 else { throw fail("lora_alpha \(lora.alpha) must be positive") }
    guard lora.dropout.isFinite, lora.dropout >= 0, lora.dropout < 1 else {
      throw fail("lora_dropout \(lora.dropout) must be in [0, 1)")
    }
    guard !lora.targets.isEmpty else { throw fail("no target modules") }
  }

  /// Targets without duplicates, in `LinearKind.allCases` order.
  private static func canonicalTargets(_ targets: [LinearKind]) -> [LinearKind] {
    LinearKind.allCases.filter(targets.contains)
  }
}
