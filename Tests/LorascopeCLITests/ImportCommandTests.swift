import ArgumentParser
import Foundation
import LorascopeEngine
import Testing

@testable import lorascope

/// `import`, `inspect` and `spectrum --gradients` on the command line (issue 13).
@Suite("Import commands")
struct ImportCommandTests {
  @Test("import, inspect and spectrum --gradients parse")
  func parsing() throws {
    let spectrum = try SpectrumCommand.parse(["--run-dir", "r", "--stage", "1", "--gradients", "g1", "g2", "--joint"])
    #expect(spectrum.gradients == ["g1", "g2"] && spectrum.options.joint)
    let importing = try ImportCommand.parse(["--out", "r", "--snapshots", "a", "b", "--lambda", "3"])
    #expect(importing.paths == ["a", "b"] && importing.snapshots && importing.penalty.lambda == 3)
    let inspect = try InspectCommand.parse(["--run-dir", "r", "--json", "--rows", "0"])
    #expect(inspect.json && inspect.penalty.rows == 0)
    #expect(throws: (any Error).self) { _ = try ImportCommand.parse(["--out", "r"]) }  // no checkpoint
  }

  @Test("spectrum --gradients --json writes the spectrum fields under spectrum --json's keys, with the same counts")
  func gradientReportKeys() throws {
    let spectrum = GeneralizedSpectrum(
      rho: [5, 1, 0.2, 0], directions: nil, shiftRho: [7e6], gaugeCount: 1, shiftFraction: [0, 0, 0, 0], eps: [1e-5, 2e-5],
      method: .lowRank, dimension: 6, sampleCount: 4, zeroCutoff: 1e-9)
    let strength = try ProximalStrength(lambda: 4, adaptedLinears: 2)
    let report = GradientSpectrumReport(
      selection: "joint (2 modules)", spectrum: spectrum, strength: strength, files: ["g"], gradientBytes: 96, seconds: 0.5)
    let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
    let shared: Set<String> = ["method", "rho", "eps", "lambda", "lambda_eff", "shift_rho", "shift_count", "gauge_count",
                               "plastic_count", "probe", "dimension", "selection", "metric", "weights"]
    #expect(shared.isSubset(of: Set(object.keys)), "\(object.keys.sorted())")
    #expect(object["lambda_eff"] as? Double == 2 && object["shift_count"] as? Int == 1 && object["probe"] as? Int == 4)
    // ρ 5 and 1 against λ_eff 2: w = 5/7 and 1/3, so one direction keeps more than half.
    #expect(object["plastic_count"] as? Int == spectrum.directionCounts(at: strength).plastic)
    #expect(object["plastic_count"] as? Int == 1)
  }

  @Test("import writes a run that inspect reads; other commands refuse it with a clear message")
  func importThenInspect() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-cli-import-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let config = ModelConfig.tiny(vocabSize: 67)
    let layout = LoRALayout(config: config, lora: LoRAConfig(rank: 2, alpha: 4, targets: [.k, .up]))
    var rng = SeededRNG(seed: 9)
    let values = FloatBuffer(count: layout.count)
    for t in 0..<3 {
      for i in 0..<layout.count { values[i] += Float(0.02 * rng.nextNormal()) }
      try ModelCheckpoint.writeAdapter(layout: layout, values: values, baseModelPath: "b", to: root.appendingPathComponent("s\(t)"))
    }
    let run = root.appendingPathComponent("run").path
    try ImportCommand.parse(["--out", run, "--json"] + (0..<3).map { root.appendingPathComponent("s\($0)").path }).run()
    let imported = try ImportedRun.open(URL(fileURLWithPath: run))
    #expect(imported.stageCount == 3 && imported.manifest.adaptedLinears == layout.adaptedLinearCount)
    let report = try PenaltyReport(run: imported, options: try PenaltyOptions.parse([]))
    #expect(report.modules.count == 2 * layout.modules.count)
    #expect(report.stages.map(\.stage) == [1, 2] && report.stages.allSatisfy { $0.totalExact > 0 })
    try InspectCommand.parse(["--run-dir", run]).run()

    let export = try ExportCommand.parse(["--run-dir", run, "--stage", "1", "--out", root.appendingPathComponent("x").path])
    do {
      try export.run()
      Issue.record("export accepted an imported run")
    } catch let error as ValidationError {
      #expect(error.message.contains("imported run"))
    }

    // run --resume on an imported run: refused by name before a .lock is created in it.
    let resumeError = try #require(throws: LorascopeError.self) { _ = try RunDirectory(url: URL(fileURLWithPath: run)) }
    #expect(resumeError.description.contains("lorascope import") && resumeError.description.contains(run), "\(resumeError)")
    #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: run).appendingPathComponent(".lock").path))

    // inspect on a run trained by `lorascope run`: a message saying so, not a DecodingError dump.
    let trained = root.appendingPathComponent("trained")
    try FileManager.default.createDirectory(at: trained, withIntermediateDirectories: true)
    let trainedConfig = String(decoding: try JSONEncoder().encode(RunConfig.defaults(vocabSize: 67, lambda: 1, seed: 0)), as: UTF8.self)
    try Data(#"{"config": \#(trainedConfig), "dataset_name": "d", "dataset_source": "s", "dataset_fingerprint": "f", "backbone_key": "k", "lorascope_version": "0.1.0"}"#.utf8)
      .write(to: trained.appendingPathComponent("config.json"))
    #expect(try RunDirectory.openForInspection(trained).readManifest() != nil)
    let inspectError = try #require(throws: LorascopeError.self) { _ = try ImportedRun.open(trained) }
    #expect(inspectError.description.contains("trained by `lorascope run`") && !inspectError.description.contains("keyNotFound"), "\(inspectError)")

    let missing = root.appendingPathComponent("nope").path
    do {
      try ImportCommand.parse(["--out", root.appendingPathComponent("run2").path, missing]).run()
      Issue.record("a missing checkpoint was accepted")
    } catch let error as LorascopeError {
      #expect(error.description.contains(missing))
    }
  }
}
