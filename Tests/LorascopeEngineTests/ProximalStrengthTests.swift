import Foundation
import LorascopeEngine
import Testing

/// λ, |L|, λ_eff and w = ρ/(ρ + λ_eff) in one place (Docs/Design.md §2–§3).
@Suite("Proximal strength")
struct ProximalStrengthTests {
  @Test("λ_eff = λ/|L| and the weight at a strength")
  func effectiveAndWeight() throws {
    let s = try ProximalStrength(lambda: 2, adaptedLinears: 28)
    #expect(s.effective == 2.0 / 28)
    #expect(s.weight(rho: 2.0 / 28) == 0.5)
    #expect(abs(s.weight(rho: 3 * 2.0 / 28) - 0.75) < 1e-15)
    let expected: [Double] = [1 / (1 + 2.0 / 28), 0, 0]
    #expect(s.weights([1, 0, -1]) == expected)
    #expect(ProximalStrength.lambda(forEffective: s.effective, adaptedLinears: 28) == 2)
    #expect(try s.with(lambda: 56).effective == 2)
  }

  @Test("λ must be finite and ≥ 0; |L| ≥ 1; the message names the value", arguments: [-1, Double.nan, .infinity, -.infinity])
  func rejectsBadLambda(lambda: Double) {
    #expect(throws: LorascopeError.self) { try ProximalStrength(lambda: lambda, adaptedLinears: 4) }
    do {
      try ProximalStrength.validate(lambda: lambda)
      Issue.record("λ = \(lambda) was accepted")
    } catch {
      #expect("\(error)".contains("\(lambda)"), "\(error)")
    }
  }

  @Test("|L| = 0 is refused")
  func rejectsNoLinears() {
    #expect(throws: LorascopeError.self) { try ProximalStrength(lambda: 1, adaptedLinears: 0) }
  }

  @Test("edge cases of w: zero cluster, NaN, ∞, λ_eff = 0 or negative")
  func weightEdges() {
    #expect(ProximalStrength.weight(rho: 0, lambdaEff: 0) == 0)
    #expect(ProximalStrength.weight(rho: .nan, lambdaEff: 1) == 0)
    #expect(ProximalStrength.weight(rho: 1e-12, lambdaEff: 1, zeroCutoff: 1e-9) == 0)
    #expect(ProximalStrength.weight(rho: 2, lambdaEff: 0) == 1)
    #expect(ProximalStrength.weight(rho: 2, lambdaEff: -5) == 1)
    #expect(ProximalStrength.weight(rho: 2, lambdaEff: .nan) == 1)
    #expect(ProximalStrength.weight(rho: .infinity, lambdaEff: 1e9) == 1)
    #expect(ProximalStrength.weight(rho: 1e300, lambdaEff: .infinity) == 0)
    #expect(ProximalStrength.weight(rho: .infinity, lambdaEff: .infinity) == 0)
    // The spectrum's weights are the same function.
    #expect(GeneralizedSpectrum.weight(rho: 3, lambdaEff: 1) == ProximalStrength.weight(rho: 3, lambdaEff: 1))
  }

  @Test("λ_eff(w*) inverts w: the direction lands exactly at w*", arguments: [0.9, 0.5, 0.1])
  func inverse(target: Double) throws {
    for rho in [1e-6, 0.37, 5.0, 2e4] {
      let effective = try #require(ProximalStrength.effectiveLambda(puttingRho: rho, atWeight: target))
      #expect(abs(ProximalStrength.weight(rho: rho, lambdaEff: effective) - target) < 1e-12)
    }
    #expect(ProximalStrength.effectiveLambda(puttingRho: 1, atWeight: 1) == nil)
    #expect(ProximalStrength.effectiveLambda(puttingRho: 0, atWeight: 0.5) == nil)
  }

  @Test("the penalty weighs P_g with the strength's λ_eff")
  func penaltyUsesStrength() throws {
    let model = try ModelFixtures.model(lora: LoRAConfig(rank: 2, alpha: 4))
    let layout = try #require(model.loraLayout)
    let anchor = model.lora!.clone()
    let v = model.lora!
    var rng = SeededRNG(seed: 5)
    for i in 0..<v.count { v[i] += Float(0.1 * rng.nextNormal()) }
    let penalty = ProximalPenalty(kind: .l2, layout: layout, anchor: anchor)
    let strength = try penalty.strength(lambda: 3)
    #expect(strength.adaptedLinears == layout.adaptedLinearCount)
    let perModule = penalty.evaluate(v, strength: strength)
    #expect(abs(penalty.total(perModule, strength: strength) - 3 / Double(layout.adaptedLinearCount) * perModule.reduce(0, +)) < 1e-12)
    #expect(throws: LorascopeError.self) { try penalty.strength(lambda: -1) }
  }

  /// A finite λ the float32 penalty cannot carry is refused when validated (issue 26, defect 12),
  /// not at stage 1 with a non-finite loss.
  @Test func lambdaAboveTheMaximumIsRefusedUpFront() throws {
    #expect(throws: Never.self) { try ProximalStrength.validate(lambda: ProximalStrength.maximumLambda) }
    for lambda in [1e31, 1e40, 1e308] {
      let error = try #require(throws: LorascopeError.self) { try ProximalStrength.validate(lambda: lambda) }
      #expect(error.description.contains("largest λ"), "\(error)")
      #expect(throws: LorascopeError.self) { try LambdaGrid.parse("0,\(lambda)") }
    }
  }
}
