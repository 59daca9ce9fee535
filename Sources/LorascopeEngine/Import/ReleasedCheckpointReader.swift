import Foundation

/// Reads the LoRA factors out of a full-model checkpoint of the released PESO code (issue 13;
/// Docs/Design.md §2): its `ContinualLoRALinear` modules save `<module>.A` [r, in], `<module>.B`
/// [out, r] and the past stages' snapshots `<module>.A_matrices.<i>`, `<module>.B_matrices.<i>`
/// next to the backbone's weights in `model.safetensors`, or in shards listed by
/// `model.safetensors.index.json`. Only those tensors are read, through the header offsets and
/// a memory map; the backbone's gigabytes are never touched.
enum ReleasedCheckpointReader {
  public static let weightsFileName = "model.safetensors"
  public static let indexFileName = "model.safetensors.index.json"

  /// Whether `url` is a released-code checkpoint: a directory with model.safetensors or its
  /// index, a `.safetensors` file, or an index file.
  public static func isCheckpoint(_ url: URL) -> Bool {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return false }
    if isDirectory.boolValue {
      return fm.fileExists(atPath: url.appendingPathComponent(weightsFileName).path)
        || fm.fileExists(atPath: url.appendingPathComponent(indexFileName).path)
    }
    return url.pathExtension == "safetensors" || url.lastPathComponent.hasSuffix(".index.json")
  }

  /// The files holding the weights: the single file, or every shard the index names.
  static func weightFiles(_ url: URL) throws -> [URL] { try weightLayout(url).files }

  /// The weight files and, for a sharded checkpoint, the index's weight_map (tensor name → the
  /// file name of the shard that holds it).
  static func weightLayout(_ url: URL) throws -> (files: [URL], owners: [String: String]?) {
    var isDirectory: ObjCBool = false
    _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
    var index: URL? = nil
    if isDirectory.boolValue {
      let single = url.appendingPathComponent(weightsFileName)
      if FileManager.default.fileExists(atPath: single.path) { return ([single], nil) }
      index = url.appendingPathComponent(indexFileName)
    } else if url.lastPathComponent.hasSuffix(".json") {
      index = url
    } else {
      return ([url], nil)
    }
    guard let index, FileManager.default.fileExists(atPath: index.path) else {
      throw LorascopeError.invalidFile(path: url.path, reason: "no \(weightsFileName) and no \(indexFileName)")
    }
    let reader = try JSONConfigReader(contentsOf: index)
    guard let map = reader.value("weight_map")?.objectMembers else { throw reader.fail("\"weight_map\" is missing or not an object") }
    var shards: Set<String> = []
    var owners: [String: String] = [:]
    for member in map {
      guard let file = member.value.stringValue else { throw reader.fail("weight_map entry \"\(member.key)\" is not a file name") }
      // A shard is a file next to the index: a name with a path in it would read elsewhere.
      guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
        throw reader.fail("weight_map entry \"\(member.key)\" names \"\(file)\", not a file next to the index")
      }
      shards.insert(file)
      owners[member.key] = file
    }
    guard !shards.isEmpty else { throw reader.fail("weight_map is empty") }
    let dir = index.deletingLastPathComponent()
    return (shards.sorted().map { dir.appendingPathComponent($0) }, owners)
  }

  /// Which adapter of a checkpoint: the current `A`/`B`, or snapshot i of `A_matrices`/`B_matrices`.
  public enum Slot: Hashable, Sendable, Comparable {
    case snapshot(Int)
    case current
  }

  /// Parses a tensor name into (linear, factor, slot), or nil for any other tensor.
  static func parse(_ name: String) -> (linear: String, factor: String, slot: Slot)? {
    for factor in ["A", "B"] {
      if name.hasSuffix(".\(factor)") {
        return (String(name.dropLast(factor.count + 1)), factor, .current)
      }
      let marker = ".\(factor)_matrices."
      if let range = name.range(of: marker, options: .backwards) {
        let tail = name[range.upperBound...]
        if let i = Int(tail), i >= 0, String(i) == tail {
          return (String(name[..<range.lowerBound]), factor, .snapshot(i))
        }
      }
    }
    return nil
  }

  /// Reads one checkpoint. With `snapshots` false, the result is one stage (the current
  /// A/B); with true, one stage per saved snapshot in order and then the current adapter
  /// unless it equals the last snapshot (the released code appends a snapshot of the
  /// current adapter when a block ends).
  public static func read(_ url: URL, snapshots: Bool = false) throws -> [ImportedStage] {
    let (files, owners) = try weightLayout(url)
    var found: [Slot: [String: (info: SafetensorsTensorInfo, file: MappedSafetensors)]] = [:]
    var opened: [MappedSafetensors] = []
    for fileURL in files {
      let file = try MappedSafetensors(path: fileURL.path)
      opened.append(file)
      for (name, info) in file.tensors {
        guard let parsed = parse(name) else { continue }
        // A tensor present in several shards is taken from the one the index's weight_map names
        // (as transformers loads it), whatever the order of the files.
        if let owner = owners?[name], owner != fileURL.lastPathComponent { continue }
        if let earlier = found[parsed.slot]?[name] {
          throw LorascopeError.invalidFile(
            path: url.path,
            reason: "tensor \(name) is in both \(earlier.file.path) and \(file.path), and the index's weight_map names neither")
        }
        found[parsed.slot, default: [:]][name] = (info, file)
      }
    }
    guard let current = found[.current], !current.isEmpty else {
      throw LorascopeError.invalidFile(
        path: url.path, reason: "no ContinualLoRALinear tensors (<module>.A, <module>.B) in \(files.map(\.lastPathComponent).joined(separator: ", "))")
    }
    let slots: [Slot] = snapshots ? found.keys.sorted() : [.current]
    var stages: [ImportedStage] = []
    for slot in slots {
      let stage = try stageFrom(found[slot] ?? [:], slot: slot, source: url, files: files)
      if slot == .current, snapshots, let last = stages.last, last.factors.map(\.values) == stage.factors.map(\.values) {
        continue
      }
      stages.append(stage)
    }
    if snapshots, case .snapshot = slots.first, let missing = expectedSnapshots(found).first {
      throw LorascopeError.invalidFile(path: url.path, reason: "snapshot \(missing) is missing (A_matrices/B_matrices are numbered from 0)")
    }
    return stages
  }

  private static func expectedSnapshots(_ found: [Slot: Any]) -> [Int] {
    let present = found.keys.compactMap { slot -> Int? in if case .snapshot(let i) = slot { return i } else { return nil } }
    guard let top = present.max() else { return [] }
    return (0...top).filter { !present.contains($0) }
  }

  private static func stageFrom(
    _ tensors: [String: (info: SafetensorsTensorInfo, file: MappedSafetensors)], slot: Slot, source: URL, files: [URL]
  ) throws -> ImportedStage {
    var linears: [String: [String: String]] = [:]
    for name in tensors.keys {
      guard let parsed = parse(name) else { continue }
      linears[parsed.linear, default: [:]][parsed.factor] = name
    }
    var factors: [ImportedFactor] = []
    var ranks = Set<Int>()
    var dtypes = Set<String>()
    for linear in linears.keys.sorted() {
      let pair = linears[linear] ?? [:]
      let suffix: (String) -> String = { f in
        if case .snapshot(let i) = slot { return "\(linear).\(f)_matrices.\(i)" }
        return "\(linear).\(f)"
      }
      guard let aName = pair["A"] else { throw LorascopeError.invalidFile(path: source.path, reason: "tensor \(suffix("B")) has no matching \(suffix("A"))") }
      guard let bName = pair["B"] else { throw LorascopeError.invalidFile(path: source.path, reason: "tensor \(aName) has no matching \(suffix("B"))") }
      // Both entries exist: they were collected from `tensors` itself.
      guard let a = tensors[aName], let b = tensors[bName] else { continue }
      for t in [a, b] {
        func fail(_ why: String) -> LorascopeError { .invalidFile(path: t.file.path, reason: "tensor \(t.info.name) \(why)") }
        guard [.F32, .F16, .BF16].contains(t.info.dtype) else { throw fail("is \(t.info.dtype.rawValue), not F32, F16 or BF16") }
        guard t.info.shape.count == 2, t.info.shape[0] > 0, t.info.shape[1] > 0 else { throw fail("has shape \(t.info.shape), not a 2-D matrix") }
        dtypes.insert(t.info.dtype.rawValue)
      }
      guard a.info.shape[0] == b.info.shape[1] else {
        throw LorascopeError.invalidFile(
          path: b.file.path, reason: "tensor \(bName) has shape \(b.info.shape), but \(aName) has shape \(a.info.shape): the ranks disagree")
      }
      ranks.insert(a.info.shape[0])
      // The module name as stored: the current tensors keep theirs; a snapshot is named like the
      // current factor so that every stage has the same module names.
      factors.append(ImportedFactor(name: "\(linear).A", linear: linear, factor: "A", shape: a.info.shape, values: try a.file.finiteFloats(aName)))
      factors.append(ImportedFactor(name: "\(linear).B", linear: linear, factor: "B", shape: b.info.shape, values: try b.file.finiteFloats(bName)))
    }
    let label: String
    if case .snapshot(let i) = slot { label = "\(source.path)#A_matrices.\(i)" } else { label = source.path }
    return ImportedStage(
      source: label, format: "peso-released", files: files.map(\.path), sourceDType: dtypes.sorted().joined(separator: "+"),
      rank: ranks.max() ?? 0, alpha: nil, factors: canonicalFactorOrder(factors))
  }
}
