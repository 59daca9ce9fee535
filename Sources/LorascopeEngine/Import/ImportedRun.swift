import Foundation

/// What `config.json` of an imported run records: where every stage came from and the
/// modules it holds (issue 13). `kind` is "imported", which tells every command that the run
/// is read-only: there is no training configuration and no backbone, only adapters.
public struct ImportedRunManifest: Codable, Equatable, Sendable {
  public struct Module: Codable, Equatable, Sendable {
    public let name: String
    public let linear: String
    public let factor: String
    public let shape: [Int]
  }

  public struct Stage: Codable, Equatable, Sendable {
    public let stage: Int
    public let source: String
    public let format: String
    public let files: [String]
    public let sourceDType: String
    enum CodingKeys: String, CodingKey { case stage, source, format, files, sourceDType = "source_dtype" }
  }

  public var kind = "imported"
  public let lorascopeVersion: String
  public let rank: Int
  public let alpha: Double?
  public let adaptedLinears: Int
  public let parameterCount: Int
  public let modules: [Module]
  public let stages: [Stage]

  enum CodingKeys: String, CodingKey {
    case kind, lorascopeVersion = "lorascope_version", rank, alpha, adaptedLinears = "adapted_linears"
    case parameterCount = "parameter_count", modules, stages
  }
}

/// A read-only run directory made from checkpoints of another engine (issue 13):
///
///     RUN/config.json                         ImportedRunManifest
///     RUN/stages/stage_<t>/adapter.safetensors  every factor as F32, named as in the source
///
/// The adapters are small (5.6 M parameters for Llama-3.2-1B), so they are copied as float32;
/// the source files are only read. Files are written atomically and then made read-only.
public struct ImportedRun: Sendable {
  public let url: URL
  public let manifest: ImportedRunManifest

  public static let adapterFileName = "adapter.safetensors"

  public static func configURL(_ run: URL) -> URL { run.appendingPathComponent("config.json") }
  public static func stageURL(_ run: URL, _ t: Int) -> URL {
    run.appendingPathComponent("stages/stage_\(t)").appendingPathComponent(adapterFileName)
  }

  /// Whether `url` is an imported run (its config.json says `"kind": "imported"`).
  public static func isImported(_ url: URL) -> Bool {
    guard let data = FileManager.default.contents(atPath: configURL(url).path),
      let manifest = try? JSONDecoder().decode(ImportedRunManifest.self, from: data)
    else { return false }
    return manifest.kind == "imported"
  }

  /// Checks that every stage holds the same modules with the same shapes as stage 0.
  public static func checkSameModel(_ stages: [ImportedStage]) throws {
    guard let first = stages.first else { throw LorascopeError.usage("import: no checkpoints given") }
    let reference = Dictionary(uniqueKeysWithValues: first.factors.map { ($0.name, $0.shape) })
    for (t, stage) in stages.enumerated().dropFirst() {
      func fail(_ why: String) -> LorascopeError {
        .invalidFile(path: stage.source, reason: "stage \(t) is not the same model as stage 0 (\(first.source)): \(why)")
      }
      guard stage.format == first.format else { throw fail("it is a \(stage.format) checkpoint, stage 0 is \(first.format)") }
      var seen = Set<String>()
      for factor in stage.factors {
        guard let shape = reference[factor.name] else { throw fail("tensor \(factor.name) is not in stage 0") }
        guard shape == factor.shape else { throw fail("tensor \(factor.name) has shape \(factor.shape) here and \(shape) in stage 0") }
        seen.insert(factor.name)
      }
      if let missing = first.factors.first(where: { !seen.contains($0.name) }) {
        throw fail("tensor \(missing.name) of stage 0 is missing")
      }
    }
  }

  /// Writes a new run directory at `url` from `stages` (which must not exist yet, so an
  /// import never overwrites a run).
  @discardableResult
  public static func create(at url: URL, stages: [ImportedStage]) throws -> ImportedRun {
    try checkSameModel(stages)
    if FileManager.default.fileExists(atPath: url.path) {
      throw LorascopeError.usage("\(url.path) already exists; import writes a new run directory")
    }
    let first = stages[0]
    let manifest = ImportedRunManifest(
      lorascopeVersion: Lorascope.version, rank: first.rank, alpha: first.alpha,
      adaptedLinears: first.adaptedLinearCount, parameterCount: first.parameterCount,
      modules: first.factors.map { .init(name: $0.name, linear: $0.linear, factor: $0.factor, shape: $0.shape) },
      stages: stages.enumerated().map {
        .init(stage: $0.offset, source: $0.element.source, format: $0.element.format, files: $0.element.files,
              sourceDType: $0.element.sourceDType)
      })
    try AtomicFile.replaceDirectory(at: url) { temporary in
      for (t, stage) in stages.enumerated() {
        let file = try SafetensorsFile(
          tensors: stage.factors.map { try SafetensorsTensor(name: $0.name, floats: $0.values, shape: $0.shape) },
          metadata: ["format": "pt", "source": stage.source, "stage": String(t)])
        let target = stageURL(temporary, t)
        try createDirectory(target.deletingLastPathComponent())
        try file.write(to: target)
        makeReadOnly(target)
      }
      try AtomicFile.writeJSON(manifest, to: configURL(temporary))
      makeReadOnly(configURL(temporary))
    }
    return ImportedRun(url: url, manifest: manifest)
  }

  /// Opens an imported run.
  public static func open(_ url: URL) throws -> ImportedRun {
    let config = configURL(url)
    guard let data = FileManager.default.contents(atPath: config.path) else {
      throw LorascopeError.invalidFile(path: url.path, reason: "no config.json: not a run directory")
    }
    let manifest: ImportedRunManifest
    do { manifest = try JSONDecoder().decode(ImportedRunManifest.self, from: data) } catch {
      throw LorascopeError.invalidFile(path: config.path, reason: "not an imported run's config (\(error))")
    }
    guard manifest.kind == "imported" else {
      throw LorascopeError.invalidFile(path: config.path, reason: "kind \"\(manifest.kind)\" is not \"imported\"")
    }
    return ImportedRun(url: url, manifest: manifest)
  }

  public var stageCount: Int { manifest.stages.count }

  /// The adapter of stage t, read back from the run directory.
  public func stage(_ t: Int) throws -> ImportedStage {
    guard (0..<stageCount).contains(t) else {
      throw LorascopeError.usage("stage \(t) is not in \(url.path), which has stages 0…\(stageCount - 1)")
    }
    let path = Self.stageURL(url, t).path
    let file = try MappedSafetensors(path: path)
    let factors = try manifest.modules.map { m -> ImportedFactor in
      let info = try file.info(m.name)
      guard info.shape == m.shape else {
        throw LorascopeError.invalidFile(path: path, reason: "tensor \(m.name) has shape \(info.shape), config.json says \(m.shape)")
      }
      return ImportedFactor(name: m.name, linear: m.linear, factor: m.factor, shape: m.shape, values: try file.finiteFloats(m.name))
    }
    let entry = manifest.stages[t]
    return ImportedStage(
      source: entry.source, format: entry.format, files: entry.files, sourceDType: entry.sourceDType,
      rank: manifest.rank, alpha: manifest.alpha, factors: factors)
  }

  /// The run's module called `name`, or the one whose name ends in `.name` when exactly one
  /// does: gradients dumped by `lorascope spectrum --dump` name modules `layers.0.….lora_A`,
  /// the PEFT files `base_model.model.model.layers.0.….lora_A`.
  public func module(matching name: String) throws -> String {
    if manifest.modules.contains(where: { $0.name == name }) { return name }
    let hits = manifest.modules.filter { $0.name.hasSuffix("." + name) }
    guard hits.count == 1 else {
      let reason = hits.isEmpty
        ? "no module \"\(name)\" in this run (its modules are named like \(manifest.modules.first?.name ?? "?"))"
        : "\"\(name)\" matches \(hits.count) modules of this run"
      throw LorascopeError.invalidFile(path: Self.configURL(url).path, reason: reason)
    }
    return hits[0].name
  }

  /// One module's values at stage t, read alone (the streamed spectrum's anchor, one module at a time).
  public func factorValues(stage t: Int, module: String) throws -> [Float] {
    guard (0..<stageCount).contains(t) else {
      throw LorascopeError.usage("stage \(t) is not in \(url.path), which has stages 0…\(stageCount - 1)")
    }
    guard manifest.modules.contains(where: { $0.name == module }) else {
      throw LorascopeError.invalidFile(path: Self.configURL(url).path, reason: "no module \"\(module)\" in this run")
    }
    return try MappedSafetensors(path: Self.stageURL(url, t).path).finiteFloats(module)
  }

  private static func createDirectory(_ url: URL) throws {
    do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
      throw LorascopeError.io("cannot create \(url.path): \(error.localizedDescription)")
    }
  }

  private static func makeReadOnly(_ url: URL) {
    try? FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: url.path)
  }
}

/// Reads checkpoints of any supported format, one stage per path (issue 13).
public enum CheckpointImporter {
  /// One stage per path, in order; with `snapshots`, a released-code checkpoint contributes
  /// its saved snapshots as earlier stages.
  public static func read(_ paths: [String], snapshots: Bool = false) throws -> [ImportedStage] {
    guard !paths.isEmpty else { throw LorascopeError.usage("import: give one checkpoint per stage") }
    var stages: [ImportedStage] = []
    for path in paths {
      let url = URL(fileURLWithPath: path)
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw LorascopeError.invalidFile(path: path, reason: "no such file or directory")
      }
      if PEFTCheckpointReader.isAdapterDirectory(url) {
        stages.append(try PEFTCheckpointReader.read(url))
      } else if ReleasedCheckpointReader.isCheckpoint(url) {
        stages += try ReleasedCheckpointReader.read(url, snapshots: snapshots)
      } else if FileManager.default.fileExists(atPath: url.appendingPathComponent(PEFTCheckpointReader.weightsFileName).path) {
        throw LorascopeError.invalidFile(
          path: path, reason: "no \(PEFTCheckpointReader.configFileName): not a PEFT adapter directory (it has \(PEFTCheckpointReader.weightsFileName))")
      } else {
        throw LorascopeError.invalidFile(
          path: path,
          reason: "neither a PEFT adapter directory (adapter_config.json) nor a checkpoint of the released PESO code (model.safetensors or model.safetensors.index.json)")
      }
    }
    return stages
  }
}
