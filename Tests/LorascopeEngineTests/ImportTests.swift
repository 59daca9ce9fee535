import Foundation
import Testing

@testable import LorascopeEngine

/// Importing another engine's checkpoints (issue 13): formats, dtypes, penalties and the errors
/// that name the file and the tensor.
@Suite struct ImportTests {
  // MARK: - Reading

  @Test func peftStagesInEveryDtypeReadBackExactly() throws {
    let root = try ImportFixtures.temporaryDirectory("peft")
    defer { try? FileManager.default.removeItem(at: root) }
    let dtypes: [SafetensorsDType] = [.F32, .BF16, .F16]
    for (s, dtype) in dtypes.enumerated() {
      try ImportFixtures.peftAdapter(at: root.appendingPathComponent("s\(s)"), stage: s, dtype: dtype)
    }
    let stages = try CheckpointImporter.read((0..<3).map { root.appendingPathComponent("s\($0)").path })
    #expect(stages.map(\.sourceDType) == ["F32", "BF16", "F16"])
    #expect(stages[0].adaptedLinearCount == 2)
    #expect(stages[0].factors.map(\.name) == [
      "base_model.model.encoder.block.0.attn.qkv.lora_A", "base_model.model.encoder.block.0.attn.qkv.lora_B",
      "base_model.model.encoder.block.1.ffn.wi.lora_A", "base_model.model.encoder.block.1.ffn.wi.lora_B",
    ])
    let want = ImportFixtures.factors(stage: 1)["encoder.block.0.attn.qkv"]!.a
    #expect(stages[1].factors[0].values == want.map(BFloat16.round))
    let wantHalf = ImportFixtures.factors(stage: 2)["encoder.block.1.ffn.wi"]!.b
    #expect(stages[2].factors[3].values == wantHalf.map { Float(Float16($0)) })

    let run = try ImportedRun.create(at: root.appendingPathComponent("run"), stages: stages)
    let reopened = try ImportedRun.open(run.url)
    #expect(reopened.manifest.stages.map(\.source) == stages.map(\.source))
    #expect(try reopened.stage(2).factors == stages[2].factors)
    let attributes = try FileManager.default.attributesOfItem(atPath: ImportedRun.stageURL(run.url, 0).path)
    #expect((attributes[.posixPermissions] as? Int) == 0o444)
    #expect(throws: LorascopeError.self) { try ImportedRun.create(at: run.url, stages: stages) }
  }

  @Test func releasedShardedCheckpointExpandsIntoSnapshotStages() throws {
    let root = try ImportFixtures.temporaryDirectory("released")
    defer { try? FileManager.default.removeItem(at: root) }
    try ImportFixtures.releasedCheckpoint(at: root, stages: 3)
    let current = try CheckpointImporter.read([root.path])
    #expect(current.count == 1)
    let all = try CheckpointImporter.read([root.path], snapshots: true)
    #expect(all.count == 3)
    #expect(all[0].factors.map(\.name) == ["encoder.block.0.attn.qkv.A", "encoder.block.0.attn.qkv.B", "encoder.block.1.ffn.wi.A", "encoder.block.1.ffn.wi.B"])
    for s in 0..<3 {
      #expect(all[s].factors[2].values == ImportFixtures.factors(stage: s)["encoder.block.1.ffn.wi"]!.a.map(BFloat16.round))
    }
    #expect(all[2].factors == current[0].factors)
    #expect(all[0].rank == ImportFixtures.rank)
  }

  // MARK: - Penalties

  @Test func exactPenaltyMatchesADirectKLAndTheQuadraticModel() throws {
    let root = try ImportFixtures.temporaryDirectory("penalty")
    defer { try? FileManager.default.removeItem(at: root) }
    for s in 0..<2 { try ImportFixtures.peftAdapter(at: root.appendingPathComponent("s\(s)"), stage: s) }
    let run = try ImportedRun.create(
      at: root.appendingPathComponent("run"), stages: try CheckpointImporter.read((0..<2).map { root.appendingPathComponent("s\($0)").path }))
    let (rows, totals) = try PenaltyInspection.inspect(run: run, lambda: 2)
    #expect(rows.count == 4)
    let s0 = try run.stage(0)
    let s1 = try run.stage(1)
    for (g, row) in rows.enumerated() {
      // KL from ProximalMetric.softmax's probabilities: a separate code path from the log-softmax.
      let p = ProximalMetric.softmax(s1.factors[g].values.map(Double.init))
      let q = ProximalMetric.softmax(s0.factors[g].values.map(Double.init))
      let direct = zip(p, q).reduce(0.0) { $0 + $1.0 * Foundation.log($1.0 / $1.1) }
      #expect(abs(row.penaltyExact - direct) <= 1e-9 * direct)
      // KL = ½ΔᵀHΔ + O(Δ³): close for this small drift.
      #expect(abs(row.penaltyQuadratic - row.penaltyExact) < 0.1 * row.penaltyExact)
      #expect(row.lambdaEff == 1)
      #expect(row.hMax > 0 && row.hMinPositive > 0 && row.hMinPositive <= row.hMax)
    }
    #expect(abs(totals[0].totalExact - rows.reduce(0) { $0 + $1.penaltyExact }) < 1e-12)
  }

  @Test func bf16PenaltyIsRoundingForASmallUpdateOfALargeModule() {
    // Docs/Design.md §2 and the released code's precision: at m = 16,384 and an update spread of
    // 1e-3 the exact KL is ~5e-7 while bf16 arithmetic gives ~1e-4.
    var rng = SeededRNG(seed: 3)
    let m = 16_384
    let previous = (0..<m).map { _ in Float(0.02 * rng.nextNormal()) }
    let current = previous.map { $0 + Float(1e-3 * rng.nextNormal()) }
    let exact = PenaltyInspection.module(
      stage: 1, current: ImportedFactor(name: "x", linear: "x", factor: "A", shape: [1, m], values: current),
      previous: ImportedFactor(name: "x", linear: "x", factor: "A", shape: [1, m], values: previous), lambdaEff: 1, curvatureFloor: 1e-4)
    #expect(exact.penaltyExact > 1e-7 && exact.penaltyExact < 1e-6)
    #expect(exact.penaltyBF16 > 20 * exact.penaltyExact)
    #expect(exact.verdict == "bf16 noise")
    #expect(ReleasedKLPenalty.bf16(current: previous, previous: previous) == 0)
  }

  // MARK: - Bad files

  @Test func missingAdapterConfigNamesTheDirectory() throws {
    let root = try ImportFixtures.temporaryDirectory("noconfig")
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = root.appendingPathComponent("stage0")
    try ImportFixtures.peftAdapter(at: dir, stage: 0)
    try FileManager.default.removeItem(at: dir.appendingPathComponent("adapter_config.json"))
    let error = try #require(throws: LorascopeError.self) { try CheckpointImporter.read([dir.path]) }
    #expect(error.description.contains(dir.path) && error.description.contains("adapter_config.json"))
  }

  @Test func aShapeThatDisagreesWithRNamesTheTensor() throws {
    let root = try ImportFixtures.temporaryDirectory("rank")
    defer { try? FileManager.default.removeItem(at: root) }
    try ImportFixtures.peftAdapter(at: root, stage: 0, rank: 4)
    let error = try #require(throws: LorascopeError.self) { try CheckpointImporter.read([root.path]) }
    #expect(error.description.contains("adapter_model.safetensors"))
    #expect(error.description.contains("base_model.model.encoder.block.0.attn.qkv.lora_A.weight"))
    #expect(error.description.contains("r is 4"))
  }

  @Test func aModuleOutsideTargetModulesIsRefused() throws {
    let root = try ImportFixtures.temporaryDirectory("targets")
    defer { try? FileManager.default.removeItem(at: root) }
    try ImportFixtures.peftAdapter(at: root, stage: 0, targets: ["qkv"])
    let error = try #require(throws: LorascopeError.self) { try CheckpointImporter.read([root.path]) }
    #expect(error.description.contains("ffn.wi.lora_A.weight") && error.description.contains("target_modules"))
  }

  @Test func aTruncatedSafetensorsNamesTheFileAndTheTensor() throws {
    let root = try ImportFixtures.temporaryDirectory("truncated")
    defer { try? FileManager.default.removeItem(at: root) }
    try ImportFixtures.peftAdapter(at: root, stage: 0)
    let weights = root.appendingPathComponent("adapter_model.safetensors")
    let data = try Data(contentsOf: weights)
    try data.prefix(data.count - 10).write(to: weights)
    let error = try #require(throws: LorascopeError.self) { try CheckpointImporter.read([root.path]) }
    #expect(error.description.contains(weights.path))
    #expect(error.description.contains("truncated"))
    #expect(error.description.contains("lora_B.weight"))  // the last tensor in the file runs past its end
  }

  @Test func stagesOfDifferentModelsNameTheStageAndTheTensor() throws {
    let root = try ImportFixtures.temporaryDirectory("mixed")
    defer { try? FileManager.default.removeItem(at: root) }
    try ImportFixtures.peftAdapter(at: root.appendingPathComponent("s0"), stage: 0)
    try ImportFixtures.releasedCheckpoint(at: root.appendingPathComponent("s1"), stages: 2)
    let stages = try CheckpointImporter.read([root.appendingPathComponent("s0").path, root.appendingPathComponent("s1").path])
    let error = try #require(throws: LorascopeError.self) { try ImportedRun.create(at: root.appendingPathComponent("run"), stages: stages) }
    #expect(error.description.contains("stage 1 is not the same model as stage 0"))

    // Same format, a linear with another shape.
    let other = stages[0].factors.map { f in
      f.name.hasSuffix("qkv.lora_B")
        ? ImportedFactor(name: f.name, linear: f.linear, factor: f.factor, shape: [30, 3], values: Array(f.values.prefix(90))) : f
    }
    let changed = ImportedStage(source: "/x/stage1", format: "peft", files: [], sourceDType: "F32", rank: 3, alpha: 6, factors: other)
    let shapeError = try #require(throws: LorascopeError.self) {
      try ImportedRun.checkSameModel([stages[0], changed])
    }
    #expect(shapeError.description.contains("/x/stage1") && shapeError.description.contains("qkv.lora_B") && shapeError.description.contains("[30, 3]"))
  }

  // MARK: - Numerics

  @Test func bfloat16RoundsToNearestEvenAndHalfDecodes() {
    #expect(BFloat16.round(1 + 0x1p-8) == 1)  // tie → even
    #expect(BFloat16.round(1 + 3 * 0x1p-8) == 1 + 0x1p-6)  // tie → even (upward)
    #expect(BFloat16.round(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)  // above the tie
    #expect(BFloat16.round(-2.5) == -2.5)
    #expect(BFloat16.round(.infinity) == .infinity)
    #expect(BFloat16.round(.nan).isNaN)
    #expect(HalfFloat.float(bits: 0x3C00) == 1)
    #expect(HalfFloat.float(bits: 0xC000) == -2)
    #expect(HalfFloat.float(bits: 0x0001) == 0x1p-24)
    #expect(HalfFloat.float(bits: 0x7C00) == .infinity)
    #expect(HalfFloat.float(bits: 0x7E00).isNaN)
  }

  @Test func secularEquationEigenvaluesEqualADenseSolve() throws {
    var rng = SeededRNG(seed: 11)
    var logits = (0..<40).map { _ in rng.nextNormal() }
    logits[5] = logits[9]  // a repeated probability: deflation
    logits[17] = logits[9]
    let q = ProximalMetric.softmax(logits)
    let spectrum = SoftmaxHessianSpectrum(probabilities: q)
    let dense = try ProximalMetric.softmaxKL(anchorLogits: logits).dense(eps: 0)
    let (values, _) = try LAPACK.symmetricEigen(dense, n: q.count)
    let ours = spectrum.all()
    #expect(ours.count == q.count)
    let scale = values.max()!
    for (a, b) in zip(ours, values.sorted()) { #expect(abs(a - b) <= 1e-12 * scale) }
    #expect(abs(spectrum.largest - values.max()!) <= 1e-13 * scale)
    #expect(abs(spectrum.smallestPositive - values.sorted()[1]) <= 1e-13 * scale)
  }
}
