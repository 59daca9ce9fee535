import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope`: with no arguments opens the screen on the built-in synthetic data (Docs/Design.md §8).
@main
struct LorascopeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lorascope",
    abstract: "A terminal workbench for the stability–plasticity trade-off in continual LoRA training.",
    discussion: """
      Runs a Llama-style generative recommender over semantic-ID item tokens, a LoRA adapter that \
      evolves across chronological data blocks, and PESO's per-module softmax-KL proximal term. \
      With no subcommand, opens the screen on the built-in synthetic drift data.
      """,
    version: Lorascope.version,
    subcommands: [
      TuiCommand.self, DemoCommand.self,
      RunCommand.self, SweepCommand.self, SpectrumCommand.self, VerifyCommand.self,
      StudyCommand.self, RaceCommand.self, PredictCommand.self, BaselinesCommand.self, ExportCommand.self, ExportScalarsCommand.self, RecommendCommand.self, DataCommand.self, BenchCommand.self,
      InteropCommand.self, KeysCommand.self, ImportCommand.self, InspectCommand.self,
    ],
    defaultSubcommand: TuiCommand.self)

  /// Parses and runs like ArgumentParser's own `main`, except for a `ValidationError` thrown by
  /// a command's `run()` (found after parsing, e.g. a --stage the run directory does not have):
  /// the options parsed fine, so the message is printed without the usage line, which would
  /// suggest the command line itself was malformed.
  static func main() {
    StandardStreams.reopenClosedDescriptors()
    let command: ParsableCommand
    do { command = try parseAsRoot() } catch { exit(withError: error) }
    var running = command
    do {
      try running.run()
    } catch let error as ValidationError {
      let failure = runFailure(error)
      StandardStreams.writeError(failure.message + "\n")
      Foundation.exit(failure.status)
    } catch {
      exit(withError: error)
    }
  }

  /// What a `ValidationError` thrown by `run()` prints, and the exit status (64, as when
  /// ArgumentParser reports one at parse time).
  static func runFailure(_ error: ValidationError) -> (message: String, status: Int32) {
    ("Error: \(error.message)", ExitCode.validationFailure.rawValue)
  }
}

extension ContinualMethod: ExpressibleByArgument {}
extension RankingMetricName: ExpressibleByArgument {}
