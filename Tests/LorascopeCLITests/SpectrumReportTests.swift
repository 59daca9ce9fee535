import Foundation
import LorascopeEngine
import Testing

@testable import lorascope

/// What `spectrum --json` and `--dump` carry (Docs/Architecture.md "Spectrum path").
@Suite("spectrum report")
struct SpectrumReportTests {
  static func report() throws -> SpectrumReport {
    let config = ModelConfig(vocabSize: 17, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 24, maxPositions: 16)
    let model = try LlamaModel(config: config, seed: 3)
    model.attachLoRA(LoRAConfig(rank: 2, alpha: 4), seed: 4)
    let anchor = try #require(model.lora).clone()
    var rng = SeededRNG(seed: 5)
    for i in 0..<anchor.count { model.lora![i] += Float(0.05 * rng.nextNormal()) }
    let probe: [TrainingPair] = (0..<6).map { r in
      let tokens = (0..<6).map { Int32(($0 * 5 + r * 3) % 17) }
      return TrainingPair(inputs: tokens, targets: tokens.dropFirst().map { $0 } + [-1])
    }
    let source = try SpectrumSource(stage: 1, model: model, anchor: anchor, metricKind: .softmaxKL, fisherDiagonal: nil, probe: probe, seed: 0)
    let analysis = try SpectrumPipeline.run(source: source, selection: .joint, fisher: .empirical, directions: 2)
    let penalty = ProximalPenalty(kind: .softmaxKL, layout: source.layout, anchor: anchor)
    return SpectrumReport(
      analysis: analysis, strength: try analysis.strength(lambda: 2), directions: 2,
      modulePenalties: try penalty.precisionComparison(at: model.lora!), penaltyGradientRatio: 1.5e-5, penaltyNats: 2e-7)
  }

  @Test("--json has suggested_lambda, penalty_gradient_ratio, penalty_nats and the per-module bf16 comparison")
  func jsonKeys() throws {
    let report = try Self.report()
    let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
    let suggested = try #require(json["suggested_lambda"] as? [String: Double])
    #expect(Set(suggested.keys) == ["0.9", "0.5", "0.1"])
    let guidance = try #require(LambdaGuidance(spectrum: report.analysis.spectrum, adaptedLinears: report.analysis.adaptedLinears))
    #expect(suggested["0.5"] == guidance.lambda(forWeight: 0.5))
    #expect(json["penalty_gradient_ratio"] as? Double == 1.5e-5)
    #expect(json["penalty_nats"] as? Double == 2e-7)
    let modules = try #require(json["modules"] as? [[String: Any]])
    #expect(modules.count == report.analysis.modules.count)
    for m in modules {
      #expect(m["penalty_exact"] is Double && m["penalty_bf16"] is Double && m.keys.contains("bf16_gradient_cosine"))
    }
    #expect((json["eps"] as? [Double])?.count == report.analysis.modules.count)
  }

  @Test("--dump carries the ε of every module")
  func dumpHasEveryEps() throws {
    let report = try Self.report()
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-dump-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try report.dump(to: url)
    let file = try SafetensorsFile.read(from: url)
    let eps = try #require(file.tensors["eps"])
    #expect(eps.shape == [report.analysis.modules.count])
    #expect(report.analysis.modules.count > 1)
    #expect(file.tensors["module_offsets"]?.shape == [report.analysis.modules.count + 1])
  }

  @Test("--penalty-precision bf16 reaches the run's config; exact leaves config.json as before")
  func penaltyPrecisionOption() throws {
    let data = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 1))
    #expect(try RunOptions.parse(["--penalty-precision", "bf16"]).runConfig(for: data).penaltyPrecision == .bf16)
    #expect(try RunOptions.parse([]).runConfig(for: data).penaltyPrecision == nil)
    #expect(throws: (any Error).self) { _ = try RunOptions.parse(["--penalty-precision", "fp8"]) }
  }
}
