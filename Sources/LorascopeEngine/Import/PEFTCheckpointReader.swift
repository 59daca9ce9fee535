import Foundation

/// Reads a PEFT LoRA adapter directory of any model (issue 13): `adapter_config.json` (r,
/// lora_alpha, target_modules) and the `…lora_A.weight` / `…lora_B.weight` tensors of
/// `adapter_model.safetensors` in F32, F16 or BF16. Unlike `PEFTAdapterDirectory`, which loads
/// adapters into lorascope's own Llama, nothing here assumes a module list or a shape: the
/// adapted linears are whatever the file holds, checked against r and target_modules.
enum PEFTCheckpointReader {
  public static let configFileName = "adapter_config.json"
  public static let weightsFileName = "adapter_model.safetensors"

  /// Whether `url` looks like a PEFT adapter directory (it has adapter_config.json).
  public static func isAdapterDirectory(_ url: URL) -> Bool {
    FileManager.default.fileExists(atPath: url.appendingPathComponent(configFileName).path)
  }

  public static func read(_ dir: URL) throws -> ImportedStage {
    let configURL = dir.appendingPathComponent(configFileName)
    guard FileManager.default.fileExists(atPath: configURL.path) else {
      throw LorascopeError.invalidFile(path: dir.path, reason: "no \(configFileName): not a PEFT adapter directory")
    }
    let config = try JSONConfigReader(contentsOf: configURL)
    if let type = try config.string("peft_type"), type != "LORA" {
      throw config.fail("peft_type \"\(type)\" is not \"LORA\"")
    }
    guard let rank = try config.int("r") else { throw config.fail("\"r\" is missing") }
    guard rank > 0 else { throw config.fail("r \(rank) must be positive") }
    let alpha = try config.double("lora_alpha")
    let targets: Set<String>?
    switch config.value("target_modules") {
    case .some(let value) where value.arrayValue != nil:
      let names = value.arrayValue?.compactMap(\.stringValue) ?? []
      guard names.count == value.arrayValue?.count, !names.isEmpty else {
        throw config.fail("target_modules \(value.snippet) is not a non-empty list of module names")
      }
      targets = Set(names)
    case .some(let value) where value.stringValue != nil:
      targets = nil  // a regular expression: PEFT matched it when saving, so every saved key conforms
    default:
      throw config.fail("\"target_modules\" is missing")
    }
    let rankPattern = config.value("rank_pattern")?.objectMembers ?? []

    let weightsURL = dir.appendingPathComponent(weightsFileName)
    guard FileManager.default.fileExists(atPath: weightsURL.path) else {
      throw LorascopeError.invalidFile(path: dir.path, reason: "no \(weightsFileName)")
    }
    let file = try MappedSafetensors(path: weightsURL.path)
    func fail(_ reason: String) -> LorascopeError { .invalidFile(path: weightsURL.path, reason: reason) }

    var linears: [String: (a: String?, b: String?)] = [:]
    for name in file.tensors.keys {
      for (suffix, isA) in [(".lora_A.weight", true), (".lora_B.weight", false)] where name.hasSuffix(suffix) {
        let linear = String(name.dropLast(suffix.count))
        var pair = linears[linear] ?? (nil, nil)
        if isA { pair.a = name } else { pair.b = name }
        linears[linear] = pair
      }
    }
    guard !linears.isEmpty else { throw fail("no LoRA tensors (…lora_A.weight / …lora_B.weight)") }

    // Every factor's shape is checked first and its values read after, so that the total the
    // header declares is compared with memory before any of it is allocated.
    var checked: [(linear: String, a: SafetensorsTensorInfo, b: SafetensorsTensorInfo)] = []
    var dtypes = Set<String>()
    for linear in linears.keys.sorted() {
      let pair = linears[linear]!  // safe: iterating the dictionary's own keys
      guard let aName = pair.a else { throw fail("tensor \(linear).lora_B.weight has no matching \(linear).lora_A.weight") }
      guard let bName = pair.b else { throw fail("tensor \(aName) has no matching \(linear).lora_B.weight") }
      let leaf = linear.split(separator: ".").last.map(String.init) ?? linear
      if let targets, !targets.contains(leaf), !targets.contains(linear) {
        throw fail("tensor \(aName) adapts \(leaf), which is not in target_modules \(targets.sorted())")
      }
      let a = try file.info(aName)
      let b = try file.info(bName)
      for t in [a, b] {
        guard [.F32, .F16, .BF16].contains(t.dtype) else { throw fail("tensor \(t.name) is \(t.dtype.rawValue), not F32, F16 or BF16") }
        guard t.shape.count == 2, t.shape[0] > 0, t.shape[1] > 0 else { throw fail("tensor \(t.name) has shape \(t.shape), not a 2-D matrix") }
        dtypes.insert(t.dtype.rawValue)
      }
      let expectedRank = rankPattern.contains(where: { linear.hasSuffix($0.key) }) ? a.shape[0] : rank
      guard a.shape[0] == expectedRank else { throw fail("tensor \(aName) has shape \(a.shape), but r is \(rank): A must be [r, in]") }
      guard b.shape[1] == expectedRank else { throw fail("tensor \(bName) has shape \(b.shape), but r is \(rank): B must be [out, r]") }
      checked.append((linear, a, b))
    }
    try MemoryBudget.require(
      bytes: MemoryBudget.bytes(of: checked.flatMap { [($0.a.elementCount, 1), ($0.b.elementCount, 1)] }, elementSize: MemoryLayout<Float>.size),
      for: "the LoRA factors of \(weightsURL.path)",
      remedy: "its header declares adapters larger than this machine's memory; check that it is the intended adapter")
    var factors: [ImportedFactor] = []
    for (linear, a, b) in checked {
      factors.append(ImportedFactor(name: "\(linear).lora_A", linear: linear, factor: "A", shape: a.shape, values: try file.finiteFloats(a.name)))
      factors.append(ImportedFactor(name: "\(linear).lora_B", linear: linear, factor: "B", shape: b.shape, values: try file.finiteFloats(b.name)))
    }
    return ImportedStage(
      source: dir.path, format: "peft", files: [configURL.path, weightsURL.path],
      sourceDType: dtypes.sorted().joined(separator: "+"), rank: rank, alpha: alpha,
      factors: canonicalFactorOrder(factors))
  }
}
