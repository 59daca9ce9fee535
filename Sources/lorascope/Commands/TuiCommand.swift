import ArgumentParser
import Foundation
import LorascopeEngine
import LorascopeTUI

extension GlyphMode: ExpressibleByArgument {}

/// `lorascope` and `lorascope tui`: the screen on a continual run (Docs/Design.md §7–§8).
struct TuiCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tui",
    abstract: "Open the screen: train, turn λ, watch the loss, the penalty and the spectrum (the default).",
    discussion: """
      Opens on the built-in synthetic drift data unless --data names a PESO dataset; with --run-dir \
      the run is saved there (and resumed if the directory already holds it), and every change of λ \
      is written to its log.jsonl. A run whose stages are all finished (or any run, with --review) \
      opens read-only instead: g and G walk its stages — the stage's loss curves from log.jsonl, \
      P_g at its end, its spectrum — and no file of the run is written. With --compare B (repeatable) \
      the finished runs open side by side, read-only.

      Keys:
      \(KeyMap.standard.textTable(context: .main))
      """)

  @OptionGroup var options: RunOptions
  @OptionGroup var screen: ScreenOptions

  @Flag(help: "Open paused (Space starts training).")
  var paused = false

  @Option(parsing: .upToNextOption, help: "An imported run (inspect mode): gradient files for the spectrum panel (Scripts/export_gradients.py).")
  var gradients: [String] = []

  @Option(name: .customLong("gradient-stage"), help: "An imported run: the stage t the gradients were taken at (default: the last).")
  var gradientStage: Int?

  @Flag(help: "Open --run-dir read-only, to look at its finished stages without training (automatic when every stage is finished).")
  var review = false

  @Option(help: "Another finished run to put beside --run-dir (repeat for more): loss curves overlaid, per-stage metrics and R[t][j] with paired differences against a pinned reference.")
  var compare: [String] = []

  @Option(help: "A finished study's output directory: every arm against single, the frontier and the findings; Enter opens an arm's run beside single's.")
  var study: String?

  func run() throws {
    let look = try screen.screenOptions()
    if let study { return try runStudy(directory: study, look: look) }
    if !compare.isEmpty { return try runCompare(look: look) }
    if let dir = options.runDir, ImportedRun.isImported(URL(fileURLWithPath: dir)) { return try runInspect(runDir: dir, look: look) }
    if let session = try reviewSession() {
      let status = try Dashboard.run(session: session, options: .init(screen: look, startRunning: false))
      if status != 0 { throw ExitCode(status) }
      return
    }
    if review { throw ValidationError("--review needs --run-dir with a run in it (config.json)") }
    let session = try openSession(options)
    let status = try Dashboard.run(session: session, options: .init(screen: look, startRunning: !paused))
    if status != 0 { throw ExitCode(status) }
  }
}

extension TuiCommand {
  /// A finished run (or any run with `--review`) opened read-only, as `spectrum` and `export`
  /// open it (`RunState`: no lock, no writes), so looking at a run never changes a byte of it
  /// (issue 28 item 1); nil when the screen should train instead (no run yet, or unfinished).
  func reviewSession() throws -> ContinualSession? {
    guard let dir = options.runDir,
      FileManager.default.fileExists(atPath: URL(fileURLWithPath: dir).appendingPathComponent("config.json").path)
    else { return nil }
    let state = try RunState.load(runDir: dir, data: options.data, cache: options.cache)
    return review || state.session.isFinished ? state.session : nil
  }
}

/// How the screen looks; shared by `tui` and `demo`.
struct ScreenOptions: ParsableArguments {
  @Flag(help: "No colour: bold, reverse, dim and underline only (NO_COLOR does the same).")
  var mono = false

  @Option(help: "Chart glyphs: braille | block | ascii (default: braille with a UTF-8 locale, otherwise ascii).")
  var glyphs: GlyphMode?

  @Flag(name: .customLong("no-mouse"), help: "Start with the mouse off, so terminal text can be selected (m toggles).")
  var noMouse = false

  @Option(help: "Colours: a theme of Assets/themes (default, light) or a theme .json file.")
  var theme: String = "default"

  func screenOptions() throws -> NcursesScreen.Options {
    NcursesScreen.Options(mono: mono, glyphOverride: glyphs, mouse: !noMouse, theme: try Assets.theme(theme))
  }
}

/// The session the screen drives: the data and settings of `options`, saved
/// in (and resumed from) `--run-dir` when given.
func openSession(_ options: RunOptions) throws -> ContinualSession {
  let dataset = try options.loadDataset()
  let config = try options.runConfig(for: dataset)
  let runDir = try options.runDir.map { try RunDirectory(url: URL(fileURLWithPath: $0)) }
  return try ContinualSession(
    config: config, dataset: dataset, runDirectory: runDir, backboneCache: options.cacheURL,
    resume: runDir != nil, dataSpec: options.dataSpec)
}
