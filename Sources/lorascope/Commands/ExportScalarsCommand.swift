import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope export-scalars`: every scalar a run logged, for the tools people already plot with
/// (issue 28 item 4). Reads the run read-only (`RunDirectory.openForInspection`), so it works on a
/// read-only copy and while another process trains in the directory.
struct ExportScalarsCommand: ParsableCommand {
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv, tensorboard
  }

  static let configuration = CommandConfiguration(
    commandName: "export-scalars",
    abstract: "Write every logged scalar of a run (CE, penalty, λ, gradient ratio, per-stage metrics) as JSON Lines, CSV or TensorBoard events.",
    discussion: """
      One row per tag and step: tag (train/ce, train/penalty, train/total, train/lambda, train/lr, \
      train/grad_norm, train/penalty_gradient_ratio; stage/ndcg5, stage/ndcg5_blockJ, \
      stage/validation_ce, …), step (the optimizer steps of log.jsonl counted from 1 across all \
      stages; a stage's metrics sit at its last step), stage, phase (backbone, adapter-warm-start, \
      adapter, or eval) and value. A value that is not finite is null in JSON Lines and nan/inf in CSV. \
      With --format tensorboard, --out is a directory that receives one event file \
      (`tensorboard --logdir OUT`); its values are 32-bit floats, as TensorBoard stores scalars.
      """)

  @Option(name: .customLong("run-dir"), help: "The run directory.")
  var runDir: String

  @Option(help: "jsonl | csv | tensorboard")
  var format: Format

  @Option(help: "The output file ('-' for standard output); for tensorboard, a directory.")
  var out: String

  @Flag(help: "Replace --out when it is an existing file.")
  var overwrite = false

  func run() throws {
    try checkOutput()
    let url = URL(fileURLWithPath: runDir)
    if ImportedRun.isImported(url) {
      throw ValidationError("\(runDir) is an imported run: it holds adapters, not a training log")
    }
    let dir = try RunDirectory.openForInspection(url)
    guard try dir.readManifest() != nil else { throw ValidationError("\(runDir) is not a run directory (no config.json)") }
    let rows = ScalarExport.rows(log: try dir.readLog(StepRecord.self), metrics: try dir.readMetrics())
    if format == .tensorboard {
      guard out != "-" else { throw ValidationError("--format tensorboard writes a directory: --out - is for jsonl and csv") }
      let directory = URL(fileURLWithPath: out)
      do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      } catch {
        throw LorascopeError.io("cannot create the --out directory \(out): \(error.localizedDescription)")
      }
      let now = Date().timeIntervalSince1970
      let file = directory.appendingPathComponent(TensorBoardEvents.fileName(wallTime: now))
      try AtomicFile.write(TensorBoardEvents.file(rows, wallTime: now), to: file)
      StandardStreams.writeError("lorascope: \(rows.count) scalars written to \(file.path)\n")
      return
    }
    let text = format == .jsonl ? ScalarExport.jsonLines(rows) : ScalarExport.csv(rows)
    if out == "-" {
      try StandardStreams.writeOutput(Data(text.utf8), what: "the scalars (--out -)")
    } else {
      try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: out))
      StandardStreams.writeError("lorascope: \(rows.count) scalars written to \(out)\n")
    }
  }

  /// A typo in --out must not cost a file: an existing file is replaced only with --overwrite,
  /// and this is checked before the run is read, so the refusal comes at once.
  func checkOutput() throws {
    guard out != "-" else { return }
    // Never written through a symbolic link (a file link would be replaced, a directory link written into).
    var link = stat()
    if lstat(out, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
      throw ValidationError("--out \(out) is a symbolic link; give the path it points to, or remove the link")
    }
    if format == .tensorboard {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
        throw ValidationError("--out \(out) exists and is not a directory; --format tensorboard writes a directory")
      }
      // The nearest existing ancestor must be a directory: name a file in the way plainly.
      if let file = FileInTheWay.blocking(URL(fileURLWithPath: out)) {
        throw ValidationError("cannot create the --out directory \(out): \(file) is not a directory")
      }
      return
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) else { return }
    guard !isDirectory.boolValue else { throw ValidationError("--out \(out) is a directory; --format \(format.rawValue) writes a file") }
    // The file is replaced by a rename: a device or a FIFO (as root, even /dev/null) would be
    // replaced by a regular file. Write to standard output (--out -) to reach one.
    guard link.st_mode & S_IFMT == S_IFREG else {
      throw ValidationError("--out \(out) is not a regular file (a device or a FIFO); it would be replaced, not written to: use --out - and redirect")
    }
    guard overwrite else { throw ValidationError("--out \(out) exists; pass --overwrite to replace it") }
  }
}
