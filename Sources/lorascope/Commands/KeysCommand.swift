import ArgumentParser
import LorascopeTUI

/// `lorascope keys` (hidden): the screen's key table, rendered from the `KeyMap` that dispatches
/// the keys. `--markdown` prints README.md's key table, which ReadmeKeyTableTests holds to it.
struct KeysCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keys",
    abstract: "Print the screen's key table (--markdown: the README's table).",
    shouldDisplay: false)

  @Flag(help: "Markdown, every context, as in README.md.")
  var markdown = false

  func run() throws {
    try printResult(markdown ? KeyMap.standard.markdownTable() : KeyMap.standard.textTable(context: .main))
  }
}
