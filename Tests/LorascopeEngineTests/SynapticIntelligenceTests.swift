import Foundation
import Testing

@testable import LorascopeEngine

/// Synaptic Intelligence behind the method seam (Docs/Math.md §46).
@Suite("Synaptic Intelligence")
struct SynapticIntelligenceTests {
  @Test("SI's penalty gradient matches central differences, and the penalty is zero at the anchor")
  func penaltyGradient() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 4, alpha: 8))
    let layout = model.loraLayout!
    let anchor = model.lora!.clone()
    var rng = SeededRNG(seed: 7)
    let v = model.lora!
    for i in 0..<v.count { v[i] += Float(0.5 * rng.nextNormal()) }
    let omega = (0..<v.count).map { _ in Float(rng.nextUniform() * 3) }
    let penalty = SynapticImportancePenalty(
      quadratic: ProximalPenalty(kind: .diagonalFisher, layout: layout, anchor: anchor, fisher: omega))
    let strength = try penalty.strength(lambda: 2.5)
    let grad = FloatBuffer(count: v.count)
    let perModule = penalty.evaluate(v, strength: strength, gradient: grad)
    #expect(perModule.allSatisfy { $0 > 0 })
    for (k, m) in layout.modules.enumerated() where k % 3 == 0 {
      let u = GradientCheckTests.direction(count: m.count, seed: UInt64(k) + 11)
      var analytic = 0.0
      for i in 0..<m.count { analytic += Double(grad[m.offset + i]) * Double(u[i]) }
      let err = try GradientCheckTests.directionalCheck(
        loss: { penalty.total(penalty.evaluate(v, strength: strength, gradient: nil), strength: strength) },
        analytic: analytic, perturb: { h in for i in 0..<m.count { v[m.offset + i] += h * u[i] } }, h: 1e-2)
      #expect(err < GradientCheckTests.bound, "\(m.name): relative error \(err)")
    }
    #expect(penalty.evaluate(anchor, strength: strength, gradient: nil).allSatisfy { abs($0) < 1e-12 })
    // Its metric is diag(Ω), under its own name.
    let (metric, data) = try penalty.metric(over: [layout.modules[0]])
    #expect(metric.dimension == layout.modules[0].count)
    #expect(data == omega.prefix(layout.modules[0].count).map(Double.init))
    #expect(penalty.metricName == "synapticIntelligence")
  }

  @Test("planted path: a parameter that moved far along large gradients gets a large Ω, a still one none")
  func plantedImportance() throws {
    let path = PathIntegral(count: 3)
    let theta = FloatBuffer([0, 0, 0])
    // Parameter 0 descends a steep loss (g = 2, steps of 0.1 against it), parameter 1 a shallow one
    // (g = 0.01, the same steps), parameter 2 has a large gradient but does not move.
    for _ in 0..<10 {
      path.willStep(adapter: theta, lossGradient: FloatBuffer([2, 0.01, 5]))
      theta[0] -= 0.1
      theta[1] -= 0.1
      path.didStep(adapter: theta)
    }
    #expect(abs(path.omega[0] - 2.0) < 1e-6)  // Σ −g Δθ = 10 · 2 · 0.1
    #expect(abs(path.omega[1] - 0.01) < 1e-6)
    #expect(path.omega[2] == 0)
    let omega = SynapticIntelligence.accumulate(previous: [0.5, 0.5, 0.5], path: path, end: theta)
    // Δ = −1 for both movers: Ω = Ω_prev + ω/(1 + ξ).
    #expect(abs(Double(omega[0]) - (0.5 + 2.0 / 1.1)) < 1e-5)
    #expect(abs(Double(omega[1]) - (0.5 + 0.01 / 1.1)) < 1e-5)
    #expect(omega[2] == 0.5)
    #expect(omega[0] > 100 * (omega[1] - 0.5))
    // A step up the gradient (negative ω) adds no importance.
    let uphill = PathIntegral(count: 1)
    let x = FloatBuffer([0])
    uphill.willStep(adapter: x, lossGradient: FloatBuffer([1]))
    x[0] = 0.5
    uphill.didStep(adapter: x)
    #expect(SynapticIntelligence.accumulate(previous: [0], path: uphill, end: x) == [0])
  }

  @Test("an si run keeps Ω per stage in its directory; a resumed run and an inspecting one read the same penalty")
  func runKeepsImportance() throws {
    let data = try ContinualPipelineTests.dataset(drift: 1)
    var config = ContinualPipelineTests.config(data, method: .synapticIntelligence, lambda: 50)
    config.adapter.epochs = 1
    let cache = ContinualPipelineTests.tempDir()
    let dirURL = ContinualPipelineTests.tempDir()
    let session = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory(url: dirURL), backboneCache: cache, reuseStageZero: true)
    #expect(!session.reuseStageZero)  // SI must see stage 0's own steps
    while session.stage < 2 { _ = try session.advance() }
    var previous: [Float] = []
    for t in 0..<2 {
      let state = try #require(try MethodState.read(from: session.runDirectory!.stageURL(t)))
      let omega = try state.vector(SynapticIntelligence.importanceName, count: session.adapters[t].count, stage: t)
      #expect(omega.allSatisfy { $0 >= 0 && $0.isFinite })
      #expect(omega.contains { $0 > 0 })
      if !previous.isEmpty { #expect(zip(omega, previous).allSatisfy { $0 >= $1 }) }  // Ω only grows
      previous = omega
    }
    // Stage 1 trained with a non-zero SI penalty.
    #expect(session.metrics.stages[1].finalPenalty.map { $0 > 0 } == true)
    let setupHere = try session.stageSetup(2)
    let anchor = setupHere.anchor
    let strength = try setupHere.penalty.strength(lambda: 50)
    let probe = anchor.clone()
    for i in stride(from: 0, to: probe.count, by: 7) { probe[i] += 0.01 }
    let here = setupHere.penalty.evaluate(probe, strength: strength, gradient: nil)
    let inspected = try ContinualSession(
      config: config, dataset: data, runDirectory: try RunDirectory.openForInspection(dirURL), backboneCache: cache)
    let there = try inspected.stageSetup(2).penalty.evaluate(probe, strength: strength, gradient: nil)
    #expect(here == there)
    let source = try inspected.spectrumSource(stage: 2, probeSize: 8)
    #expect(source.metricName == "synapticIntelligence")
  }
}
