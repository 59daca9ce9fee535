/// The consistency rules of a PEFT LoRA adapter's tensors (Docs/Design.md §6), shared by the writer and
/// the reader so that whatever is written can be read back and loaded by `peft`.
enum PEFTAdapterTensors {
  /// The `modules_to_save` entries this engine supports, in the order they are written.
  static let supportedModulesToSave = ["embed_tokens", "lm_head"]

  /// The `modules_to_save` implied by the tensors present, in `supportedModulesToSave` order.
  static func modulesToSave(in tensors: [String: SafetensorsTensor]) -> [String] {
    var present: [String] = []
    if tensors[PEFTNames.embedTokens] != nil { present.append("embed_tokens") }
    if tensors[PEFTNames.lmHead] != nil { present.append("lm_head") }
    return present
  }

  /// Checks names, dtypes and shapes; returns the number of layers the adapter covers.
  ///
  /// Every key must be a LoRA A/B of a target module or a listed `modules_to_save` copy; all F32;
  /// A is [r, in], B is [out, r], with the same in/out for a kind in every layer; layers
  /// 0..<L each hold A and B of every target; with `model`, also L = its layer count and the
  /// in/out features and embedding shapes of that model.
  @discardableResult
  static func check(
    _ tensors: [String: SafetensorsTensor], lora: LoRAConfig, modulesToSave: [String], model: ModelConfig?,
    fail: (String) -> LorascopeError
  ) throws -> Int {
    let r = lora.rank
    // Features seen so far (or the model's), so every layer must agree with the first.
    var inFeatures: [LinearKind: Int] = [:]
    var outFeatures: [LinearKind: Int] = [:]
    if let model {
      for kind in LinearKind.allCases {
        inFeatures[kind] = kind.inFeatures(model)
        outFeatures[kind] = kind.outFeatures(model)
      }
    }
    var pairs = Set<String>()
    var layerCount = 0
    for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
      guard let key = PEFTNames.parse(name) else {
        throw fail("unexpected tensor \(name) (not a LoRA A/B or modules_to_save key of a Llama adapter)")
      }
      guard tensor.dtype == .F32 else { throw fail("tensor \(name) is \(tensor.dtype.rawValue), not F32") }
      guard tensor.shape.count == 2 else { throw fail("tensor \(name) has shape \(tensor.shape), not 2-D") }
      let rows = tensor.shape[0]
      let cols = tensor.shape[1]
      switch key {
      case .moduleToSave(let module):
        guard modulesToSave.contains(module) else {
          throw fail("tensor \(name) is present but \(module) is not in modules_to_save")
        }
        if let model, tensor.shape != [model.vocabSize, model.hiddenSize] {
          throw fail(
            "tensor \(name) has shape \(tensor.shape), the model needs [\(model.vocabSize), \(model.hiddenSize)]")
        }
      case .loraA(let layer, let kind), .loraB(let layer, let kind):
        guard lora.targets.contains(kind) else {
          throw fail("tensor \(name) adapts \(kind.rawValue), which is not in target_modules")
        }
        let isA: Bool
        if case .loraA = key { isA = true } else { isA = false }
        // A is [r, in], B is [out, r].
        guard (isA ? rows : cols) == r else { throw fail("tensor \(name) has shape \(tensor.shape), but r is \(r)") }
        if isA {
          let expected = inFeatures[kind] ?? cols
          guard cols == expected else {
            throw fail("tensor \(name) has shape \(tensor.shape), expected [\(r), \(expected)]")
          }
          inFeatures[kind] = cols
        } else {
          let expected = outFeatures[kind] ?? rows
          guard rows == expected else {
            throw fail("tensor \(name) has shape \(tensor.shape), expected [\(expected), \(r)]")
          }
          outFeatures[kind] = rows
        }
        pairs.insert(name)
        layerCount = max(layerCount, layer + 1)
      }
    }

    for module in modulesToSave {
      let name = module == "embed_tokens" ? PEFTNames.embedTokens : PEFTNames.lmHead
      guard tensors[name] != nil else { throw fail("modules_to_save lists \(module), but tensor \(name) is missing") }
    }
    if let embed = tensors[PEFTNames.embedTokens], let head = tensors[PEFTNames.lmHead], embed.shape != head.shape {
      throw fail("embed_tokens \(embed.shape) and lm_head \(head.shape) have different shapes")
    }

    guard layerCount > 0 else { throw fail("no LoRA tensors") }
    if let model, layerCount > model.numLayers {
      throw fail("tensors reach layer \(layerCount - 1), but the model has \(model.numLayers) layers")
    }
    for layer in 0..<(model?.numLayers ?? layerCount) {
      for kind in lora.targets {
        for name in [PEFTNames.loraA(layer, kind), PEFTNames.loraB(layer, kind)] where !pairs.contains(name) {
          throw fail("missing tensor \(name)")
        }
      }
    }
    return model?.numLayers ?? layerCount
  }
}
