import Foundation
import Testing

@testable import LorascopeEngine

/// A lorascope run's stages written as PEFT adapters (what `lorascope export` writes) and
/// imported back give the engine's own penalties and spectra (issue 13).
@Suite struct ImportRoundTripTests {
  @Test func exportedStagesImportedBackGiveTheNativePenaltiesAndSpectra() throws {
    let config = ModelConfig.tiny(vocabSize: 67)
    let lora = LoRAConfig(rank: 2, alpha: 4, targets: [.q, .v, .down])
    let layout = LoRALayout(config: config, lora: lora)
    let v0 = FloatBuffer(count: layout.count)
    layout.initialize(v0, seed: 1)
    var rng = SeededRNG(seed: 2)
    for i in 0..<layout.count { v0[i] += Float(0.05 * rng.nextNormal()) }
    let v1 = FloatBuffer(v0.array.map { $0 + Float(0.01 * rng.nextNormal()) })

    let root = try ImportFixtures.temporaryDirectory("roundtrip")
    defer { try? FileManager.default.removeItem(at: root) }
    for (t, values) in [v0, v1].enumerated() {
      try ModelCheckpoint.writeAdapter(layout: layout, values: values, baseModelPath: "backbone", to: root.appendingPathComponent("stage\(t)"))
    }
    let run = try ImportedRun.create(
      at: root.appendingPathComponent("run"),
      stages: try CheckpointImporter.read([root.appendingPathComponent("stage0").path, root.appendingPathComponent("stage1").path]))
    #expect(run.manifest.adaptedLinears == layout.adaptedLinearCount)

    // Penalties: ProximalPenalty of the engine against the imported rows, module by module.
    let strength = try ProximalStrength(lambda: 2, layout: layout)
    let native = ProximalPenalty(kind: .softmaxKL, layout: layout, anchor: v0).evaluate(v1, strength: strength)
    let (rows, totals) = try PenaltyInspection.inspect(run: run, lambda: 2)
    #expect(rows.count == layout.modules.count)
    for (g, m) in layout.modules.enumerated() {
      let row = try #require(rows.first { $0.module == "base_model.model.model." + m.name })
      #expect(abs(row.penaltyExact - native[g]) <= 1e-9 * native[g])
    }
    let nativeTotal = ProximalPenalty(kind: .softmaxKL, layout: layout, anchor: v0).total(native, strength: strength)
    #expect(abs(totals[0].totalExact - nativeTotal) <= 1e-9 * nativeTotal)

    // Spectra: the native low-rank solve on G vs the streamed solve from a dump-named file.
    let n = 6
    let p = layout.count
    let g = (0..<(n * p)).map { _ in Double(Float(rng.nextNormal())) }
    let (metric, _) = try SpectrumAnalysis.metric(kind: .softmaxKL, modules: layout.modules, anchor: v0, fisher: nil)
    let nativeSpectrum = try LowRankSpectrumSolver.solve(G: g, n: n, p: p, metric: metric)
    let file = root.appendingPathComponent("grads.safetensors")
    let offsets = [0] + layout.modules.map { $0.offset + $0.count }
    try SafetensorsFile(
      tensors: [
        try SafetensorsTensor(name: "G", floats: g.map(Float.init), shape: [n, p]),
        try SafetensorsTensor(name: "module_offsets", int64s: offsets.map(Int64.init), shape: [offsets.count]),
      ],
      metadata: ["format": "pt", "modules": "[" + layout.modules.map { "\"\($0.name)\"" }.joined(separator: ",") + "]"]
    ).write(to: file)
    let files = try GradientFiles(paths: [file.path])
    let streamed = try StreamedSpectrumSolver.solve(
      gradients: files, selection: Array(files.modules.indices),
      anchorLogits: { try run.factorValues(stage: 0, module: try run.module(matching: $0)) })
    StreamedSpectrumTests.expectClose(streamed, nativeSpectrum)
  }
}
