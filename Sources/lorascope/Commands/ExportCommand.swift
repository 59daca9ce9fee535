import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope export`: the Hugging Face backbone and the PEFT adapter of one stage (Docs/Design.md §6).
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a stage as a transformers LlamaForCausalLM directory plus a PEFT adapter directory.",
    discussion: """
      OUT/backbone holds config.json and model.safetensors, OUT/adapter the PEFT adapter whose \
      base_model_name_or_path points at OUT/backbone. For cumulative methods the frozen past \
      adapters are merged into the exported backbone, so backbone + adapter reproduce the stage.
      OUT/backbone also holds the tokenizer (AutoTokenizer.from_pretrained) and generation_config.json; \
      OUT/items the item index (PESO format), its reverse map (code tuple -> items) and the collision \
      rule; OUT/lorascope_export.json the history length, beam width and CE temperature. \
      Scripts/recommend.py serves the result with transformers + peft.
      """)

  @Option(name: .customLong("run-dir"), help: "The run directory.")
  var runDir: String

  @Option(help: "The stage to export.")
  var stage: Int

  @Option(help: "Output directory.")
  var out: String

  @Option(help: "The run's PESO dataset directory, if it moved since the run (synthetic data is regenerated from config.json).")
  var data: String?

  @Option(help: "Backbone cache directory, as given to `run`.")
  var cache: String?

  @Flag(help: "Replace an existing output directory as a whole (as `data synth --overwrite` does); a symbolic link there is replaced, not followed.")
  var overwrite = false

  mutating func validate() throws {
    guard stage >= 0 else { throw ValidationError("--stage must be ≥ 0, not \(stage)") }
  }

  func run() throws {
    let outURL = URL(fileURLWithPath: out)
    // Checked before loading the run as well (lstat: a dangling link at OUT exists too).
    var status = stat()
    if lstat(outURL.path, &status) == 0 && !overwrite {
      throw LorascopeError.usage("\(outURL.path) already exists; pass --overwrite to replace it")
    }
    let state = try RunState.load(runDir: runDir, data: data, cache: cache)
    try state.session.exportStageDirectory(stage, to: outURL, overwrite: overwrite)
    try printResult("wrote \(outURL.appendingPathComponent("backbone").path) and \(outURL.appendingPathComponent("adapter").path)")
    try printResult("wrote \(outURL.appendingPathComponent(ExportedStageGuide.itemsDirectory).path) and \(outURL.appendingPathComponent(ExportedStageGuide.manifestFile).path)")
  }
}
