import Foundation

/// What turns an exported stage (backbone + PEFT adapter, Docs/Design.md §6) into a model a Python
/// user can serve: the tokenizer files in `backbone/`, the item index in `items/`, and
/// `lorascope_export.json`, the settings a caller must reproduce (history length, beam width, CE
/// temperature; Docs/Design.md §4.3, §5).
public enum ExportedStageGuide {
  public static let manifestFile = "lorascope_export.json"
  public static let itemsDirectory = "items"

  /// `lorascope_export.json`.
  public struct Manifest: Codable, Equatable, Sendable {
    public var lorascopeVersion: String
    public var stage: Int
    public var method: String
    public var dataset: String
    public var datasetFingerprint: String
    /// The last this many items of a user's history form the prompt (Docs/Design.md §4.3).
    public var maxHistory: Int
    /// Beams of the constrained beam search (Docs/Design.md §5).
    public var beamWidth: Int
    /// Validation CE is CE(logits/τ) with this τ (Docs/Design.md §4.3).
    public var ceTemperature: Float
    public var levels: Int
    public var codebookSize: Int
    public var backbone: String
    public var adapter: String
    public var itemIndex: String
    public var tuples: String

    enum CodingKeys: String, CodingKey {
      case lorascopeVersion = "lorascope_version"
      case stage, method, dataset
      case datasetFingerprint = "dataset_fingerprint"
      case maxHistory = "max_history"
      case beamWidth = "beam_width"
      case ceTemperature = "ce_temperature"
      case levels
      case codebookSize = "codebook_size"
      case backbone, adapter
      case itemIndex = "item_index"
      case tuples
    }
  }

  /// Writes the tokenizer files into `out/backbone` (which `exportStage` created), the item
  /// index into `out/items`, and `out/lorascope_export.json`.
  ///
  /// - Throws: `LorascopeError.invalidConfiguration` when the model's vocabulary is not the
  ///   item index's or the codes need more than 26 level letters; `.io` on a failed write.
  @discardableResult
  public static func write(config: RunConfig, dataset: ContinualDataset, stage: Int, to out: URL) throws -> Manifest {
    let items = dataset.items
    guard config.model.vocabSize == items.vocabSize else {
      throw LorascopeError.invalidConfiguration(
        "model vocabulary \(config.model.vocabSize) != 3 + \(items.levels)·\(items.codebookSize) tokens of the item index")
    }
    let backbone = out.appendingPathComponent("backbone")
    try HFTokenizerFiles.write(
      items: items, maxPositions: config.model.maxPositions, beamWidth: config.beamWidth, to: backbone)
    let itemsURL = out.appendingPathComponent(itemsDirectory)
    try ItemIndexExport.write(items: items, datasetName: dataset.name, to: itemsURL)
    let manifest = Manifest(
      lorascopeVersion: Lorascope.version, stage: stage, method: config.method.rawValue, dataset: dataset.name,
      datasetFingerprint: dataset.fingerprint, maxHistory: config.maxHistory, beamWidth: config.beamWidth,
      ceTemperature: config.ceTemperature, levels: items.levels, codebookSize: items.codebookSize,
      backbone: "backbone", adapter: "adapter",
      itemIndex: "\(itemsDirectory)/\(ItemIndexExport.indexFileName(datasetName: dataset.name))",
      tuples: "\(itemsDirectory)/\(ItemIndexExport.tuplesFile)")
    try AtomicFile.writeJSON(manifest, to: out.appendingPathComponent(manifestFile))
    return manifest
  }
}
