import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope import`: a read-only run directory from another engine's checkpoints (issue 13).
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Make a read-only run directory from one checkpoint per stage (PEFT adapters or the released PESO code's model.safetensors).",
    discussion: """
      Each PATH is one stage, in order: a PEFT adapter directory (adapter_config.json + \
      adapter_model.safetensors, F32/F16/BF16), or a checkpoint of the released PESO code (a \
      directory with model.safetensors or model.safetensors.index.json, or the file itself), of \
      which only the <module>.A / <module>.B tensors are read, through a memory map. The adapters \
      are stored as float32 in RUN; the sources are never changed. Then prints the penalties of \
      `lorascope inspect`. See Docs/Inspecting.md.
      """)

  @Option(help: "The run directory to create (must not exist).")
  var out: String

  @Flag(help: "Expand a released-code checkpoint into its saved snapshots (A_matrices.<i>) followed by its current adapter.")
  var snapshots = false

  @OptionGroup var penalty: PenaltyOptions

  @Flag(help: "Print JSON.")
  var json = false

  @Argument(help: "One checkpoint per stage, in order.")
  var paths: [String]

  struct Summary: Encodable {
    let run: String
    let stages: [ImportedRunManifest.Stage]
    let adaptedLinears: Int
    let parameterCount: Int
    let rank: Int
    let penalties: PenaltyReport
    enum CodingKeys: String, CodingKey {
      case run, stages, adaptedLinears = "adapted_linears", parameterCount = "parameter_count", rank, penalties
    }
  }

  func run() throws {
    let stages = try CheckpointImporter.read(paths, snapshots: snapshots)
    let run = try ImportedRun.create(at: URL(fileURLWithPath: out), stages: stages)
    let report = try PenaltyReport(run: run, options: penalty)
    let m = run.manifest
    if json {
      try printJSON(Summary(run: run.url.path, stages: m.stages, adaptedLinears: m.adaptedLinears,
                            parameterCount: m.parameterCount, rank: m.rank, penalties: report))
      return
    }
    try printResult("imported \(m.stages.count) stage\(m.stages.count == 1 ? "" : "s") into \(run.url.path): |L| = \(m.adaptedLinears) adapted linears, r = \(m.rank), \(m.parameterCount) LoRA parameters")
    for s in m.stages { try printResult("  stage \(s.stage): \(s.format) \(s.sourceDType) \(s.source)") }
    try printResult(report.render(showRows: penalty.rows))
  }
}
