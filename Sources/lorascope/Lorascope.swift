import ArgumentParser
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
      StudyCommand.self, RaceCommand.self, BaselinesCommand.self, ExportCommand.self, RecommendCommand.self, DataCommand.self, BenchCommand.self,
      InteropCommand.self, ImportCommand.self, InspectCommand.self,
    ],
    defaultSubcommand: TuiCommand.self)
}

extension ContinualMethod: ExpressibleByArgument {}
extension RankingMetricName: ExpressibleByArgument {}
