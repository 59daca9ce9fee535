import Foundation

/// What turns an exported stage (backbone + PEFT adapter, Docs/Design.md §6) into a model a Python
/// user can serve: the tokenizer files in `backbone/`, the item index in `items/`, and
/// `lorascope_export.json`, the settings a caller must reproduce (history length, beam width, CE
/// temperature; Docs/Design.md §4.3, §5).
public enum ExportedStageGuide {
  public static let manifestFile = "lorascope_export.json"
  public static let readmeFile = "README.md"
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
    try AtomicFile.write(Data(readme(manifest).utf8), to: out.appendingPathComponent(readmeFile))
    return manifest
  }

  /// `README.md`: what the directory holds and how to use it from Python, with this export's numbers.
  static func readme(_ m: Manifest) -> String {
    // Two example items: every level's code 0, then every level's code 1 (when K > 1).
    let letters = (0..<m.levels).map { Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(min($0, 25)))) }
    let example = [0, min(1, m.codebookSize - 1)].map { code in letters.map { "<\($0)_\(code)>" }.joined(separator: " ") }
      .joined(separator: " ")
    return """
    # lorascope export: \(m.dataset), stage \(m.stage) (\(m.method))

    A Llama-style generative recommender over semantic-ID item tokens, written by
    `lorascope export` \(m.lorascopeVersion).

    - `backbone/`: a `LlamaForCausalLM` directory (config.json, model.safetensors) with its
      tokenizer (tokenizer.json, tokenizer_config.json, special_tokens_map.json) and
      generation_config.json. For cumulative methods the frozen past adapters are merged in.
    - `adapter/`: the stage's PEFT LoRA adapter for that backbone.
    - `items/`: `\(m.itemIndex.split(separator: "/").last.map(String.init) ?? m.itemIndex)` (item id -> code tokens,
      the PESO release format), `tuples.json` (code tuple -> item ids) and `items.json`
      (counts and how shared code tuples are handled).
    - `lorascope_export.json`: history length \(m.maxHistory), beam width \(m.beamWidth),
      CE temperature \(m.ceTemperature), \(m.levels) levels of \(m.codebookSize) codes.

    Tokens: `<pad>` = 0, `<s>` = 1, `</s>` = 2, and code c of level l is `<x_c>` (x = a, b, c, …
    for l = 0, 1, 2, …) with id 3 + l·\(m.codebookSize) + c. A user's history is BOS followed by
    the code tokens of their last \(m.maxHistory) items, oldest first, without separators; the
    tokenizer adds BOS itself.

    ```python
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from peft import PeftModel
    tokenizer = AutoTokenizer.from_pretrained("backbone")
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained("backbone"), "adapter").eval()
    ids = tokenizer("\(example)", return_tensors="pt")  # BOS + two items
    ```

    Recommendations as lorascope's evaluation makes them (a beam search of \(m.beamWidth) over
    the trie of item code tuples, ranked by summed log-probability):

    ```sh
    python Scripts/recommend.py EXPORT_DIR --history ITEM_ID ITEM_ID … --k 10
    ```

    (Scripts/recommend.py is in the lorascope repository.) Docs/Design.md §4.3 of the repository
    states how examples and the validation CE are built.

    """
  }
}
