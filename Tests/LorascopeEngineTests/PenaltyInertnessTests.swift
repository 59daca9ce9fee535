import LorascopeEngine
import Testing

/// ‖λ_eff ∇P‖/‖∇CE‖ and the penalty in nats (Docs/Math.md §42).
@Suite("Is λ inert?")
struct PenaltyInertnessTests {
  /// ‖∇f‖ by finite differences: the derivative of f along the unit gradient direction.
  static func finiteDifferenceNorm(direction g: [Float], perturb: (Float) -> Void, f: () throws -> Double, h: Float) rethrows -> Double {
    _ = g
    perturb(h)
    let plus = try f()
    perturb(-2 * h)
    let minus = try f()
    perturb(h)
    return (plus - minus) / (2 * Double(h))
  }

  @Test("the ratio matches a finite-difference estimate on a small model", arguments: [ProximalPenalty.Kind.softmaxKL, .l2])
  func matchesFiniteDifferences(kind: ProximalPenalty.Kind) throws {
    let model = try ModelFixtures.model(weightScale: 4, lora: LoRAConfig(rank: 2, alpha: 4))
    let layout = try #require(model.loraLayout)
    let anchor = model.lora!.clone()
    let v = model.lora!
    var rng = SeededRNG(seed: 21)
    for i in 0..<v.count { v[i] += Float(0.3 * rng.nextNormal()) }
    let sequences = ProbeGradientTests.probe(config: model.config, count: 4, seed: 6)
    let penalty = ProximalPenalty(kind: kind, layout: layout, anchor: anchor)
    let strength = try penalty.strength(lambda: 40)
    let (ratio, nats) = try PenaltyInertness.measure(model: model, sequences: sequences, penalty: penalty, strength: strength)
    let measured = try #require(ratio)
    #expect(abs(nats - penalty.total(penalty.evaluate(v, strength: strength), strength: strength)) < 1e-12)

    // Analytic gradients give the directions; finite differences give the lengths.
    let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
    let ceLoss = { () throws -> Double in
      grads.zero()
      return Double(try model.lossAndGradients(TokenBatch(rows: sequences), into: grads))
    }
    _ = try ceLoss()
    let ceGradient = (0..<v.count).map { grads.lora![$0] }
    let penaltyGradient = FloatBuffer(count: v.count)
    penalty.evaluate(v, strength: strength, gradient: penaltyGradient)
    let pg = penaltyGradient.array
    func unit(_ g: [Float]) -> [Float] {
      let n = Float(g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
      return g.map { $0 / n }
    }
    let uc = unit(ceGradient), up = unit(pg)
    let ceNorm = try Self.finiteDifferenceNorm(
      direction: uc, perturb: { h in for i in 0..<v.count { v[i] += h * uc[i] } }, f: ceLoss, h: 1e-3)
    let penaltyNorm = Self.finiteDifferenceNorm(
      direction: up, perturb: { h in for i in 0..<v.count { v[i] += h * up[i] } },
      f: { penalty.total(penalty.evaluate(v, strength: strength), strength: strength) }, h: 1e-2)
    let estimate = penaltyNorm / ceNorm
    #expect(abs(measured - estimate) / estimate < 2e-2, "\(kind): ratio \(measured) vs finite differences \(estimate)")
    // λ scales the ratio linearly.
    let (ratio10, _) = try PenaltyInertness.measure(
      model: model, sequences: sequences, penalty: penalty, strength: try penalty.strength(lambda: 400))
    #expect(abs(try #require(ratio10) / measured - 10) < 1e-3)
  }

  @Test("the monitor calls λ inert only when the ratio stays below 1e-3")
  func monitor() {
    var m = InertnessMonitor(window: 10)
    for _ in 0..<4 { m.record(1e-5) }
    #expect(!m.isInert)  // too few steps
    m.record(2e-5)
    #expect(m.isInert)
    #expect(m.typicalRatio == 1e-5)
    m.record(0.5)
    #expect(!m.isInert)
    for _ in 0..<10 { m.record(3e-5) }
    #expect(m.isInert && m.recent.count == 10)
    m.record(nil)
    m.record(.nan)
    #expect(m.recent.count == 10)
    m.reset()
    #expect(m.typicalRatio == nil && !m.isInert)
  }
}
