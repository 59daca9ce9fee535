import Foundation

/// Maps the engine's flat buffers to and from the Hugging Face and PEFT tensor names (Docs/Design.md §6).
public enum ModelCheckpoint {
  /// The backbone as HF-named F32 tensors (the buffer layout already uses HF names and shapes).
  public static func backboneTensors(of model: LlamaModel) throws -> [SafetensorsTensor] {
    try model.layout.tensors.slots.map { slot in
      let values = model.weights.slice(slot.offset, slot.count)
      try requireFinite(values, tensor: slot.name, path: "the backbone", advice: "not writing a model with non-finite weights")
      return try SafetensorsTensor(name: slot.name, floats: values, shape: slot.shape)
    }
  }

  /// Writes `model`'s backbone as a `LlamaForCausalLM` directory.
  public static func writeBackbone(_ model: LlamaModel, to dir: URL) throws {
    try HuggingFaceLlamaDirectory.write(config: model.config, tensors: backboneTensors(of: model), to: dir)
  }

  /// Reads a `LlamaForCausalLM` directory into a new model; every tensor must be present with its shape.
  public static func readBackbone(from dir: URL) throws -> LlamaModel {
    let (config, tensors) = try HuggingFaceLlamaDirectory.read(from: dir)
    let model = try LlamaModel(config: config, seed: 0)
    let path = dir.appendingPathComponent("model.safetensors").path
    for slot in model.layout.tensors.slots {
      guard let t = tensors[slot.name] else {
        throw LorascopeError.invalidFile(path: path, reason: "missing tensor \(slot.name)")
      }
      guard t.shape == slot.shape else {
        throw LorascopeError.invalidFile(
          path: path, reason: "tensor \(slot.name) has shape \(t.shape), expected \(slot.shape)")
      }
      let values = try t.floats()
      try requireFinite(
        values, tensor: slot.name, path: path,
        advice: "the file is damaged; delete \(dir.path) so that the backbone is pretrained again")
      model.weights.write(values, at: slot.offset)
    }
    let unexpected = Set(tensors.keys).subtracting(model.layout.tensors.slots.map(\.name))
    if let name = unexpected.sorted().first {
      throw LorascopeError.invalidFile(path: path, reason: "unexpected tensor \(name)")
    }
    return model
  }

  /// The adapter as PEFT-named tensors: lora_A [r, in], lora_B [out, r]; plus embeddings and
  /// lm_head (`modules_to_save`) when they were trained.
  public static func adapterTensors(
    layout: LoRALayout, values: FloatBuffer, embeddingsFrom model: LlamaModel? = nil
  ) throws -> [SafetensorsTensor] {
    var out: [SafetensorsTensor] = []
    for m in layout.modules {
      let name = m.factor == .a ? PEFTNames.loraA(m.layer, m.kind) : PEFTNames.loraB(m.layer, m.kind)
      let floats = values.slice(m.offset, m.count)
      try requireFinite(floats, tensor: name, path: "the adapter", advice: "not writing an adapter with non-finite values")
      out.append(try SafetensorsTensor(name: name, floats: floats, shape: [m.rows, m.cols]))
    }
    if let model {
      let c = model.config
      out.append(try SafetensorsTensor(
        name: PEFTNames.embedTokens, floats: model.weights.slice(model.layout.embedding, c.vocabSize * c.hiddenSize),
        shape: [c.vocabSize, c.hiddenSize]))
      out.append(try SafetensorsTensor(
        name: PEFTNames.lmHead, floats: model.weights.slice(model.layout.lmHead, c.vocabSize * c.hiddenSize),
        shape: [c.vocabSize, c.hiddenSize]))
    }
    return out
  }

  /// Writes an adapter as a PEFT directory whose `base_model_name_or_path` is `baseModelPath`.
  public static func writeAdapter(
    layout: LoRALayout, values: FloatBuffer, embeddingsFrom model: LlamaModel? = nil, baseModelPath: String,
    to dir: URL
  ) throws {
    try PEFTAdapterDirectory.write(
      lora: layout.lora, baseModelPath: baseModelPath,
      tensors: adapterTensors(layout: layout, values: values, embeddingsFrom: model), to: dir)
  }

  private static let damagedAdapter = "the file is damaged (a trained adapter is always finite)"

  /// Throws `invalidFile` naming the file, the tensor and the first non-finite element. A NaN
  /// read from disk is damage, not a training problem, so the message does not blame the
  /// learning rate; a NaN about to be written is refused so no damaged file is ever made.
  static func requireFinite(_ values: [Float], tensor: String, path: String, advice: String) throws {
    guard let i = values.firstIndex(where: { !$0.isFinite }) else { return }
    throw LorascopeError.invalidFile(
      path: path, reason: "tensor \(tensor) holds a non-finite value (\(values[i])) at element \(i); \(advice)")
  }

  /// Reads a PEFT directory for a model of `config`. Returns the LoRA settings, the adapter
  /// values in `LoRALayout` order, and the embeddings/lm_head tensors if the adapter saved them.
  public static func readAdapter(from dir: URL, config: ModelConfig) throws
    -> (lora: LoRAConfig, values: FloatBuffer, embeddings: [Float]?, lmHead: [Float]?)
  {
    let (lora, _, tensors) = try PEFTAdapterDirectory.read(from: dir)
    let layout = LoRALayout(config: config, lora: lora)
    let values = FloatBuffer(count: layout.count)
    let path = dir.appendingPathComponent("adapter_model.safetensors").path
    for m in layout.modules {
      let name = m.factor == .a ? PEFTNames.loraA(m.layer, m.kind) : PEFTNames.loraB(m.layer, m.kind)
      guard let t = tensors[name] else { throw LorascopeError.invalidFile(path: path, reason: "missing tensor \(name)") }
      guard t.shape == [m.rows, m.cols] else {
        throw LorascopeError.invalidFile(path: path, reason: "tensor \(name) has shape \(t.shape), expected \([m.rows, m.cols])")
      }
      let floats = try t.floats()
      try requireFinite(floats, tensor: name, path: path, advice: damagedAdapter)
      values.write(floats, at: m.offset)
    }
    let embeddings = try tensors[PEFTNames.embedTokens]?.floats()
    let head = try tensors[PEFTNames.lmHead]?.floats()
    if let embeddings { try requireFinite(embeddings, tensor: PEFTNames.embedTokens, path: path, advice: damagedAdapter) }
    if let head { try requireFinite(head, tensor: PEFTNames.lmHead, path: path, advice: damagedAdapter) }
    let expected = config.vocabSize * config.hiddenSize
    if let e = embeddings, e.count != expected {
      throw LorascopeError.invalidFile(path: path, reason: "embed_tokens has \(e.count) values, expected \(expected)")
    }
    if let h = head, h.count != expected {
      throw LorascopeError.invalidFile(path: path, reason: "lm_head has \(h.count) values, expected \(expected)")
    }
    return (lora, values, embeddings, head)
  }
}
