import ArgumentParser
import Foundation
import LorascopeEngine
import Testing

@testable import lorascope

@Suite("Command line")
struct CommandLineTests {
  @Test("`lorascope` alone opens the screen; every documented subcommand parses")
  func subcommands() throws {
    #expect(LorascopeCommand.configuration.defaultSubcommand == TuiCommand.self)
    for argv in [["run", "--method", "l2", "--lambda", "5"], ["sweep", "--lambdas", "0,1"], ["data", "check", "synthetic"],
                 ["bench", "--json"], ["spectrum", "--run-dir", "x", "--stage", "1", "--joint"],
                 ["export", "--run-dir", "x", "--stage", "1", "--out", "y"], ["study", "--out", "z"]] {
      #expect(throws: Never.self, "\(argv)") { _ = try LorascopeCommand.parseAsRoot(argv) }
    }
    #expect(throws: (any Error).self) { _ = try LorascopeCommand.parseAsRoot(["run", "--method", "nope"]) }
  }

  @Test("--recipe paper sets the paper's recipe; explicit options override it")
  func recipe() throws {
    let data = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 1))
    let paper = try RunOptions.parse(["--recipe", "paper"]).runConfig(for: data)
    #expect(paper.ceTemperature == 0.8 && paper.trainEmbeddings && paper.lora.dropout == 0.05)
    #expect(paper.adapter.epochs == 4 && paper.adapter.learningRate * 10 == paper.adapterWarmStart.learningRate)
    let custom = try RunOptions.parse(["--recipe", "paper", "--epochs", "2", "--no-inherit", "--eval-users", "all"]).runConfig(for: data)
    #expect(custom.adapter.epochs == 2 && !custom.inherit && custom.evaluationUsers == nil)
    #expect(throws: (any Error).self) { _ = try RunOptions.parse(["--eval-users", "zero"]).runConfig(for: data) }
  }

  @Test("data check names the file and the entry of a malformed dataset")
  func malformedDataset() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try Data(#"{"1": ["<a_1>", "<b_2>", "<c_3>", "<d_4>"]}"#.utf8).write(to: dir.appendingPathComponent("x.index.json"))
    try Data(#"{"u1": {"previous_block": [], "current_block": ["1", "1", "9"]}}"#.utf8)
      .write(to: dir.appendingPathComponent("x.all.block_0.json"))
    let check = try DataCommand.Check.parse([dir.path])
    do {
      try check.run()
      Issue.record("a dataset with an unknown item id was accepted")
    } catch let e as LorascopeError {
      let text = e.description
      #expect(text.contains("x.all.block_0.json") && text.contains("9"), "\(text)")
    }
  }
}
