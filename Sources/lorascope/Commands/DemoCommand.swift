import ArgumentParser
import Foundation
import LorascopeEngine
import LorascopeTUI

/// `lorascope demo`: a guided tour for classrooms (Docs/Design.md §7): the screen on
/// the synthetic drift data, pausing at teaching moments (a drift, a change of
/// λ) with a one-line explanation; Space goes on.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "A guided tour on the synthetic data that pauses at teaching moments.",
    discussion: """
      The tour's script is Assets/demo.json (see DemoScript for its format); --script runs another. \
      At a pause, Space goes on; every other key works as in `lorascope tui`.
      """)

  @OptionGroup var screen: ScreenOptions

  @Option(help: "A tour script (JSON) to run instead of the built-in one.")
  var script: String?

  @Option(help: "Backbone cache directory (default $LORASCOPE_CACHE, else $XDG_CACHE_HOME/lorascope/backbones, else $HOME/.cache/lorascope/backbones).")
  var cache: String?

  @Option(name: .customLong("run-dir"), help: "Save the tour's run here (and resume it if it is there).")
  var runDir: String?

  @Option(help: "Seed of the run.")
  var seed: UInt64 = 0

  func run() throws {
    let tour = try Assets.demoScript(script)
    let look = try screen.screenOptions()
    var options = try RunOptions.parse([])
    options.cache = cache
    options.runDir = runDir
    options.seed = seed
    let session = try openSession(options)
    let status = try Dashboard.run(session: session, options: .init(screen: look, demo: tour))
    if status != 0 { throw ExitCode(status) }
  }
}
