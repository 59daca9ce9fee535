/// Tensor names of a PEFT LoRA adapter for `LlamaForCausalLM` (Docs/Design.md §6). PEFT saves them
/// without the adapter name (no `.default.`).
enum PEFTNames {
  /// `modules_to_save` copy of the input embedding, [vocab, hidden].
  public static let embedTokens = "base_model.model.model.embed_tokens.weight"
  /// `modules_to_save` copy of the output projection, [vocab, hidden].
  public static let lmHead = "base_model.model.lm_head.weight"

  static let layerPrefix = "base_model.model.model.layers."
  /// Layer indices at or above this are not parsed (keeps `layer + 1` arithmetic safe).
  static let maxLayers = 1 << 20

  /// `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight`, shape [r, in].
  public static func loraA(_ layer: Int, _ kind: LinearKind) -> String { name(layer, kind, factor: "lora_A") }

  /// `base_model.model.model.layers.{i}.self_attn.q_proj.lora_B.weight`, shape [out, r].
  public static func loraB(_ layer: Int, _ kind: LinearKind) -> String { name(layer, kind, factor: "lora_B") }

  private static func name(_ layer: Int, _ kind: LinearKind, factor: String) -> String {
    "\(layerPrefix)\(layer).\(kind.parent).\(kind.rawValue).\(factor).weight"
  }

  /// What a saved key refers to, or nil when it is not a key this engine reads or writes.
  enum Key: Equatable {
    case loraA(layer: Int, kind: LinearKind)
    case loraB(layer: Int, kind: LinearKind)
    case moduleToSave(String)
  }

  /// Parses a saved key; the inverse of `loraA`, `loraB`, `embedTokens` and `lmHead`.
  static func parse(_ name: String) -> Key? {
    if name == embedTokens { return .moduleToSave("embed_tokens") }
    if name == lmHead { return .moduleToSave("lm_head") }
    guard name.hasPrefix(layerPrefix) else { return nil }
    let parts = name.dropFirst(layerPrefix.count).split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 5, parts[4] == "weight",
      let layer = Int(parts[0]), (0..<maxLayers).contains(layer), String(layer) == parts[0],
      let kind = LinearKind(rawValue: String(parts[2])), parts[1] == kind.parent
    else { return nil }
    switch parts[3] {
    case "lora_A": return .loraA(layer: layer, kind: kind)
    case "lora_B": return .loraB(layer: layer, kind: kind)
    default: return nil
    }
  }
}
