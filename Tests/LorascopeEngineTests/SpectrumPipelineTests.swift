import Foundation
@testable import LorascopeEngine
import Testing

/// The one spectrum path (Docs/Design.md §3; Docs/Architecture.md "spectrum path").
@Suite("Spectrum pipeline")
struct SpectrumPipelineTests {
  static func source(kind: ProximalPenalty.Kind = .softmaxKL) throws -> SpectrumSource {
    let model = try ModelFixtures.model(weightScale: 4, lora: LoRAConfig(rank: 2, alpha: 4))
    let anchor = model.lora!.clone()
    var rng = SeededRNG(seed: 2)
    for i in 0..<model.lora!.count { model.lora![i] += Float(0.05 * rng.nextNormal()) }
    let probe = ProbeGradientTests.probe(config: model.config, count: 6, seed: 4)
    return try SpectrumSource(stage: 1, model: model, anchor: anchor, metricKind: kind, fisherDiagonal: nil, probe: probe, seed: 0)
  }

  @Test("run = gradients + analyze = the hand-wired solve")
  func sameAsHandWired() throws {
    let source = try Self.source()
    let piped = try SpectrumPipeline.run(source: source, selection: .joint, fisher: .empirical, directions: 3)
    let g = try ProbeGradients.compute(model: source.model, sequences: source.probe, fisher: .empirical, seed: 0)
    let manual = try SpectrumAnalysis.solve(
      gradients: g, layout: source.layout, anchor: source.anchor, metricKind: .softmaxKL, fisherDiagonal: nil,
      selection: .joint, directions: 3)
    #expect(piped.spectrum.rho == manual.spectrum.rho)
    #expect(piped.spectrum.shiftRho == manual.spectrum.shiftRho)
    #expect(piped.spectrum.eps.count == source.layout.modules.count)
    #expect(piped.adaptedLinears == source.layout.adaptedLinearCount)
  }

  @Test("one G serves every selection for the Fisher estimates; the GGN is per module and is checked")
  func gradientReuse() throws {
    let source = try Self.source()
    let g = try SpectrumPipeline.gradients(source: source, fisher: .empirical, selection: .joint)
    #expect(SpectrumPipeline.gradients(g, serve: .module(3), in: source.layout))
    let one = try SpectrumPipeline.analyze(source: source, gradients: g, selection: .module(3), directions: 0)
    #expect(one.label == source.layout.modules[3].name)
    #expect(throws: LorascopeError.self) {
      try SpectrumPipeline.gradients(source: source, fisher: .ggn, selection: .joint)
    }
    let ggn = try SpectrumPipeline.gradients(source: source, fisher: .ggn, selection: .module(0), gaussNewtonSequences: 2)
    #expect(ggn.examples == 2)
    #expect(!SpectrumPipeline.gradients(ggn, serve: .module(1), in: source.layout))
    #expect(throws: LorascopeError.self) {
      try SpectrumPipeline.analyze(source: source, gradients: ggn, selection: .module(1))
    }
  }

  @Test("a source checks its anchor and EWC's Fisher")
  func sourceChecks() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 2, alpha: 4))
    #expect(throws: LorascopeError.self) {
      try SpectrumSource(stage: 1, model: model, anchor: FloatBuffer(count: 3), metricKind: .l2, fisherDiagonal: nil, probe: [], seed: 0)
    }
    #expect(throws: LorascopeError.self) {
      try SpectrumSource(stage: 1, model: model, anchor: model.lora!.clone(), metricKind: .diagonalFisher, fisherDiagonal: nil, probe: [], seed: 0)
    }
  }

  @Test("the theory check weighs with the strength it is given")
  func theoryCheckStrength() throws {
    let source = try Self.source(kind: .l2)
    let analysis = try SpectrumPipeline.run(source: source, selection: .joint, fisher: .empirical, directions: 4)
    let strength = try analysis.strength(lambda: 3)
    let moved = source.model.lora!
    let check = try TheoryCheck.evaluate(analysis: analysis, source: source, free: moved, anchored: moved, strength: strength)
    #expect(check.lambda == 3 && check.lambdaEff == strength.effective)
    for row in check.directions { #expect(row.predicted == strength.weight(rho: row.rho)) }
    // The same displacement for both: every realized ratio is 1.
    #expect(check.directions.allSatisfy { !$0.realized.isFinite || abs($0.realized - 1) < 1e-9 })
    #expect(abs(check.displacementRatio - 1) < 1e-12)
  }

  @Test("Σ = (1/n)GᵀG from the shared dsyrk helper is full and symmetric, equal to the naive sum")
  func secondMomentIsFull() {
    let n = 5, p = 7
    let g = SpectrumFixtures.gradients(n: n, p: p, seed: 8)
    let sigma = DenseSpectrumSolver.secondMoment(g, n: n, p: p)
    for i in 0..<p {
      for j in 0..<p {
        var naive = 0.0
        for r in 0..<n { naive += g[r * p + i] * g[r * p + j] }
        #expect(abs(sigma[i * p + j] - naive / Double(n)) < 1e-12)
      }
    }
  }
}
