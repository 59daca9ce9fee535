import Foundation
import Testing

@testable import LorascopeEngine

/// The O-LoRA-style orthogonality penalty behind the method seam (Docs/Math.md §47).
@Suite("O-LoRA orthogonality")
struct OrthogonalLoRATests {
  @Test("the orthogonality penalty's gradient matches central differences on every A module; B modules carry none")
  func penaltyGradient() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 4, alpha: 8))
    let layout = model.loraLayout!
    var rng = SeededRNG(seed: 5)
    let past = (0..<2).map { _ in FloatBuffer((0..<layout.count).map { _ in Float(rng.nextNormal() * 0.3) }) }
    let v = FloatBuffer((0..<layout.count).map { _ in Float(rng.nextNormal() * 0.3) })
    let penalty = OrthogonalityPenalty(layout: layout, past: past)
    let strength = try penalty.strength(lambda: 3)
    let grad = FloatBuffer(count: v.count)
    let perModule = penalty.evaluate(v, strength: strength, gradient: grad)
    for (k, m) in layout.modules.enumerated() {
      if m.factor == .b {
        #expect(perModule[k] == 0)
        #expect((0..<m.count).allSatisfy { grad[m.offset + $0] == 0 })
        continue
      }
      #expect(perModule[k] > 0)
      guard k % 4 == 0 else { continue }
      let u = GradientCheckTests.direction(count: m.count, seed: UInt64(k) + 3)
      var analytic = 0.0
      for i in 0..<m.count { analytic += Double(grad[m.offset + i]) * Double(u[i]) }
      let err = try GradientCheckTests.directionalCheck(
        loss: { penalty.total(penalty.evaluate(v, strength: strength, gradient: nil), strength: strength) },
        analytic: analytic, perturb: { h in for i in 0..<m.count { v[m.offset + i] += h * u[i] } }, h: 1e-2)
      #expect(err < GradientCheckTests.bound, "\(m.name): relative error \(err)")
    }
  }

  @Test("planted subspaces: zero when the new A rows are orthogonal to the past ones, ‖A_s A_newᵀ‖² otherwise")
  func plantedOrthogonality() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 2, alpha: 4))
    let layout = model.loraLayout!
    let m = layout.modules[0]
    #expect(m.factor == .a && m.cols >= 4)
    // The past A spans e_0, e_1; an orthogonal new A spans e_2, e_3; a tilted one shares e_1.
    func adapter(_ rows: [[Int: Float]]) -> FloatBuffer {
      let b = FloatBuffer(count: layout.count)
      for (j, row) in rows.enumerated() { for (i, x) in row { b[m.offset + j * m.cols + i] = x } }
      return b
    }
    let past = adapter([[0: 1], [1: 1]])
    let penalty = OrthogonalityPenalty(layout: layout, past: [past])
    let strength = try penalty.strength(lambda: 1)
    let orthogonal = adapter([[2: 1], [3: 2]])
    let grad = FloatBuffer(count: layout.count)
    #expect(penalty.evaluate(orthogonal, strength: strength, gradient: grad).allSatisfy { $0 == 0 })
    #expect((0..<layout.count).allSatisfy { grad[$0] == 0 })
    // Rows (0.6·e_1 + 0.8·e_2) and e_3: overlaps a_{s,1}·a_0 = 0.6, the rest 0 → P = 0.36.
    let tilted = adapter([[1: 0.6, 2: 0.8], [3: 1]])
    let values = penalty.evaluate(tilted, strength: strength, gradient: nil)
    #expect(abs(values[0] - 0.36) < 1e-6)
    #expect(values.dropFirst().allSatisfy { $0 == 0 })
    // The same past A in the new adapter: P = ‖A Aᵀ‖² = ‖I‖² = 2.
    #expect(abs(penalty.evaluate(past, strength: strength, gradient: nil)[0] - 2) < 1e-6)
  }

  @Test("an olora stage merges every past adapter as trained, starts a new adapter and trains with the orthogonality penalty")
  func stageSetup() throws {
    let data = try ContinualPipelineTests.dataset(drift: 1)
    var config = ContinualPipelineTests.config(data, method: ContinualMethod(rawValue: "olora")!, lambda: 50)
    config.adapter.epochs = 1
    let session = try ContinualSession(config: config, dataset: data, backboneCache: ContinualPipelineTests.tempDir())
    while session.stage < 2 { _ = try session.advance() }
    let setup = try session.stageSetup(2)
    let penalty = try #require(setup.penalty as? OrthogonalityPenalty)
    #expect(penalty.past.count == 2)
    #expect(setup.model.lora!.array != session.adapters[1].array)  // a new adapter, not v_1
    #expect(setup.metric.metricName == "softmaxKL")
    // The base holds v_0 and v_1 merged as they are (no Frobenius normalization).
    let expected = try session.baseModel(stage: 0, embeddingsOfStage: -1)
    CumulativeAdapters.mergePast(
      into: expected, base: expected.weights.clone(), past: Array(session.adapters[0..<2]), layout: penalty.layout,
      normalize: false)
    setup.model.detachLoRA()
    #expect(setup.model.weights.array == expected.weights.array)
    #expect(session.metrics.stages[1].finalPenalty.map { $0 > 0 } == true)
    // It forks no single adapter: retraining and racing refuse it.
    #expect(throws: LorascopeError.self) { try session.retrainStage(1, lambda: 1) }
  }
}
