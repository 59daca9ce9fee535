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
                 ["export", "--run-dir", "x", "--stage", "1", "--out", "y"], ["study", "--out", "z"],
                 ["baselines", "--data", "video-games", "--eval-users", "2000", "--seed", "3", "--json"],
                 ["predict", "--run-dir", "x", "--stage", "2", "--lambdas", "1e1:1e4:x10", "--json"], ["keys", "--markdown"]] {
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

  @Test("the default recipe depends on the data: steady on synthetic data, embeddings on a dataset directory")
  func defaultRecipePerData() throws {
    let synthetic = try RunOptions.parse([])
    let data = try synthetic.loadDataset()
    #expect(synthetic.trainingRecipe == .steady)
    #expect(try synthetic.runConfig(for: data) == RunConfig.defaults(vocabSize: data.items.vocabSize))
    let real = try RunOptions.parse(["--data", "video-games"])
    #expect(real.trainingRecipe == .embeddings)
    let vg = try real.loadDataset()
    let config = try real.runConfig(for: vg)
    var expected = RunConfig.defaults(vocabSize: vg.items.vocabSize)
    expected.trainEmbeddings = true
    #expect(config == expected)
    let steady = try RunOptions.parse(["--data", "video-games", "--recipe", "steady"]).runConfig(for: vg)
    #expect(!steady.trainEmbeddings && steady.adapter == expected.adapter)
    // The paper's recipe is the same on both.
    #expect(try RunOptions.parse(["--data", "video-games", "--recipe", "paper"]).runConfig(for: vg)
      == RunConfig.defaults(vocabSize: vg.items.vocabSize).withPaperRecipe())
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

  @Test("a ValidationError thrown by run() is printed without a usage line, with status 64")
  func validationErrorFromRunHasNoUsageLine() {
    let failure = LorascopeCommand.runFailure(ValidationError("--resume needs --run-dir"))
    #expect(failure.message == "Error: --resume needs --run-dir")
    #expect(failure.status == 64)
    // What ArgumentParser's own main would print for the same error: the usage line this avoids.
    #expect(LorascopeCommand.fullMessage(for: ValidationError("--resume needs --run-dir")).contains("Usage"))
  }

  @Test("every bad option is refused with a message when parsed, before anything trains")
  func badOptions() throws {
    let bad: [[String]] = [
      ["--epochs", "1e300"], ["--epochs", "nan"], ["--epochs", "-1"], ["--epochs", "0"], ["--backbone-epochs", "nan"],
      ["--backbone-epochs", "inf"], ["--beam", "0"], ["--lambda", "inf"], ["--lambda", "nan"], ["--lr", "0"],
      ["--ce-temperature", "nan"], ["--ce-temperature", "1e-45"], ["--eval-users", "0"], ["--synthetic-drift", "2"], ["--synthetic-users", "0"],
      ["--backbone-dropout", "1"], ["--backbone-dropout", "nan"], ["--backbone-dropout", "-0.1"], ["--backbone-lr", "0"],
      ["--backbone-weight-decay", "-1"], ["--backbone-batch", "0"], ["--hidden", "0"], ["--hidden", "130"],
      ["--heads", "3"], ["--layers", "0"], ["--intermediate", "0"], ["--hidden", "1000000"],
    ]
    for argv in bad {
      #expect(throws: (any Error).self, "\(argv)") { _ = try RunOptions.parse(argv) }
      #expect(throws: (any Error).self, "\(argv)") { _ = try LorascopeCommand.parseAsRoot(["run"] + argv) }
    }
    for lambdas in ["inf", "0,nan", "1,-2", ""] {
      #expect(throws: (any Error).self, "\(lambdas)") { _ = try LorascopeCommand.parseAsRoot(["sweep", "--lambdas", lambdas]) }
    }
    let badElsewhere: [[String]] = [
      ["spectrum", "--run-dir", "x", "--stage", "1", "--directions=-1"], ["spectrum", "--run-dir", "x", "--stage", "1", "--probe=-3"],
      ["spectrum", "--run-dir", "x", "--stage", "0"], ["spectrum", "--run-dir", "x", "--stage", "1", "--lambda", "nan"],
      ["spectrum", "--run-dir", "x", "--stage", "1", "--eps-relative", "0"], ["verify", "--run-dir", "x", "--stage", "1", "--directions=-2"],
      ["export", "--run-dir", "x", "--stage=-1", "--out", "y"], ["bench", "--iterations", "0"],
      ["data", "synth", "--out", "y", "--blocks", "1"], ["study", "--out", "z", "--lambdas", "1,inf"],
      ["study", "--out", "z", "--lambda", "nan"], ["study", "--out", "z", "--eval-users", "none"],
      ["baselines", "--eval-users", "0"], ["baselines", "--beam", "0"],
      ["predict", "--run-dir", "x", "--stage", "0"], ["predict", "--run-dir", "x", "--stage", "1", "--probe", "1"],
      ["predict", "--run-dir", "x", "--stage", "1", "--lambdas", "-3"],
    ]
    // A race's lanes are checked as they will run, in command-line order: repeats and counts.
    for lambdas in ["0,0,2e4", "2e4,0,0,0,0", "1,1", "5"] {
      #expect(throws: (any Error).self, "race --lambdas \(lambdas)") {
        _ = try LorascopeCommand.parseAsRoot(["race", "--run-dir", "x", "--stage", "1", "--lambdas", lambdas])
      }
    }
    #expect(throws: Never.self) { _ = try LorascopeCommand.parseAsRoot(["race", "--run-dir", "x", "--stage", "1", "--lambdas", "2e4,0,1e3"]) }
    for argv in badElsewhere {
      #expect(throws: (any Error).self, "\(argv)") { _ = try LorascopeCommand.parseAsRoot(argv) }
    }
    #expect(fmt(1e300) == "1e+300" && fmt(2) == "2")
    #expect(throws: Never.self) { _ = try RunOptions.parse(["--epochs", "0.5", "--backbone-epochs", "2", "--beam", "1"]) }
    do {
      _ = try RunOptions.parse(["--epochs", "1e300"])
    } catch {
      #expect(RunOptions.message(for: error).contains("--epochs"), "\(RunOptions.message(for: error))")
    }
  }

  @Test("export refuses to replace an existing output directory without --overwrite")
  func exportOverwrite() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: out.appendingPathComponent("mine.txt"))
    let export = try ExportCommand.parse(["--run-dir", "/nonexistent-run", "--stage", "1", "--out", out.path])
    do {
      try export.run()
      Issue.record("export replaced an existing directory")
    } catch {
      #expect("\(error)".contains("--overwrite"), "\(error)")
    }
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("mine.txt").path))
  }

  @Test("a second `run` in a locked run directory fails with a message")
  func secondWriterRefused() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-cli-\(UUID().uuidString)")
    let holder = try RunDirectory(url: dir)
    let run = try RunCommand.parse(["--run-dir", dir.path, "--synthetic-users", "20", "--epochs", "0.1"])
    do {
      try run.run()
      Issue.record("a second writer ran")
    } catch let e as LorascopeError {
      #expect(e.description.contains("in use by another lorascope run"), "\(e)")
    }
    holder.releaseWriterLock()
  }

  @Test("data check rejects a code `run` cannot allocate for")
  func dataCheckHugeCode() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try Data(#"{"1": ["<a_100000000>", "<b_2>"], "2": ["<a_1>", "<b_3>"]}"#.utf8).write(to: dir.appendingPathComponent("x.index.json"))
    let block = #"{"u1": {"previous_block": [], "current_block": ["1", "2", "1"]}}"#
    try Data(block.utf8).write(to: dir.appendingPathComponent("x.all.block_0.json"))
    try Data(block.utf8).write(to: dir.appendingPathComponent("x.all.block_1.json"))
    let check = try DataCommand.Check.parse([dir.path])
    #expect(throws: LorascopeError.self) { try check.run() }
  }
}

extension CommandLineTests {
  @Test("`spectrum` of a stage still training reports the spectrum (its anchor is finished) instead of failing")
  func spectrumOfAStageInProgress() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-cli-\(UUID().uuidString)")
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-cli-cache-\(UUID().uuidString)")
    let options = try RunOptions.parse([
      "--synthetic-users", "40", "--backbone-epochs", "1", "--epochs", "0.3", "--eval-users", "10", "--cache", cache.path,
    ])
    let dataset = try options.loadDataset()
    do {
      let session = try ContinualSession(
        config: try options.runConfig(for: dataset), dataset: dataset, runDirectory: try RunDirectory(url: dir),
        backboneCache: options.cacheURL, dataSpec: options.dataSpec)
      while session.stage < 2 { _ = try session.advance() }
      _ = try session.advance()  // stage 2's phase starts: stage 2 is in progress, stage 1 finished
      try session.flush()
      session.runDirectory?.releaseWriterLock()
    }
    let spectrum = try SpectrumCommand.parse(["--run-dir", dir.path, "--stage", "2", "--joint", "--json", "--probe", "16", "--cache", cache.path])
    #expect(throws: Never.self) { try spectrum.run() }
    let finished = try SpectrumCommand.parse(["--run-dir", dir.path, "--stage", "1", "--joint", "--json", "--probe", "16", "--cache", cache.path])
    #expect(throws: Never.self) { try finished.run() }
  }
}

extension CommandLineTests {
  @Test("run's R[t][j] table has a row per counting baseline: block j's counter fitted on blocks 0…j")
  func matrixHasCounterRows() throws {
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-cli-cache-\(UUID().uuidString)")
    let options = try RunOptions.parse([
      "--synthetic-users", "40", "--backbone-epochs", "1", "--epochs", "0.3", "--eval-users", "10", "--cache", cache.path,
    ])
    let dataset = try options.loadDataset()
    let session = try ContinualSession(
      config: try options.runConfig(for: dataset), dataset: dataset, runDirectory: nil,
      backboneCache: options.cacheURL, dataSpec: options.dataSpec)
    let metrics = try session.run()
    let text = RunReport.render(metrics, ranks: session.ranks)
    let lines = text.split(separator: "\n").map(String.init)
    for counter in CountingBaseline.allCases {
      let row = try #require(lines.first { $0.hasPrefix(counter.label + " ") }, "\(counter.label)")
      let cells = row.split(separator: " ").suffix(dataset.numBlocks).map(String.init)
      let expected = metrics.stages.map { String(format: "%.4f", $0.baselines![counter].ndcg5) }
      #expect(cells == expected, "\(counter.label): \(row)")
    }
  }
}
