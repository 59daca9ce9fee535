import Testing

@testable import LorascopeEngine

/// The study's plain answer (Docs/Statistics.md, "Reading a study") follows the intervals:
/// a λ helps or costs only when its interval excludes 0.
@Suite("Study findings")
struct StudyFindingsTests {
  static func ci(_ lower: Double, _ upper: Double) -> ConfidenceInterval {
    ConfidenceInterval(mean: (lower + upper) / 2, lower: lower, upper: upper, confidence: 0.95)
  }

  static func arm(_ method: ContinualMethod, _ lambda: Double = 0, plasticity: ConfidenceInterval?, stability: ConfidenceInterval?)
    -> SweepArmComparison
  {
    var a = SweepArmComparison(
      method: method, lambda: lambda, seeds: [0, 1, 2], plasticity: SeedSpread([0.01]), stability: SeedSpread([0.01]))
    a.plasticityDifference = plasticity
    a.stabilityDifference = stability
    return a
  }

  @Test("adapting pays when frozen's plasticity interval lies below single's, and the gain is the negated interval")
  func adaptationPays() {
    let f = StudyFindings(arms: [
      Self.arm(.single, plasticity: nil, stability: nil),
      Self.arm(.frozen, plasticity: Self.ci(-0.005, -0.001), stability: Self.ci(0.001, 0.004)),
    ])
    #expect(f.adaptation.hasPrefix("Adapting pays"))
    #expect(f.adaptationGain == Self.ci(0.001, 0.005))
    #expect(f.frozenStability == Self.ci(0.001, 0.004))
  }

  @Test("an interval containing 0 is said plainly: no measured gain")
  func adaptationNoEffect() {
    let f = StudyFindings(arms: [
      Self.arm(.single, plasticity: nil, stability: nil),
      Self.arm(.frozen, plasticity: Self.ci(-0.003, 0.002), stability: Self.ci(0.001, 0.004)),
    ])
    #expect(f.adaptation.hasPrefix("Adapting does not measurably pay"))
    let none = StudyFindings(arms: [Self.arm(.single, plasticity: nil, stability: nil)])
    #expect(none.adaptation.hasPrefix("No adaptation gain measured"))
  }

  @Test("each λ is classified by its two intervals, and the method's sentence names them")
  func lambdaEffects() throws {
    let f = StudyFindings(arms: [
      Self.arm(.single, plasticity: nil, stability: nil),
      Self.arm(.peso, 1, plasticity: Self.ci(-0.001, 0.001), stability: Self.ci(-0.001, 0.002)),
      Self.arm(.peso, 1e4, plasticity: Self.ci(-0.002, 0.001), stability: Self.ci(0.001, 0.003)),
      Self.arm(.peso, 1e5, plasticity: Self.ci(-0.004, -0.001), stability: Self.ci(0.002, 0.004)),
      Self.arm(.peso, 1e6, plasticity: Self.ci(-0.004, -0.001), stability: Self.ci(-0.001, 0.001)),
      Self.arm(.l2, 1, plasticity: nil, stability: nil),
    ])
    let peso = try #require(f.methods.first { $0.method == .peso })
    #expect(peso.lambdas.map(\.effect) == [.inert, .helps, .trades, .hurts])
    #expect(peso.summary.contains("no measured plasticity cost at λ = 1e+04"))
    #expect(peso.summary.contains("trades plasticity for stability at λ = 1e+05"))
    #expect(peso.summary.contains("worse than single at λ = 1e+06"))
    #expect(peso.summary.contains("no measured effect at λ = 1"))
    let l2 = try #require(f.methods.first { $0.method == .l2 })
    #expect(l2.lambdas.map(\.effect) == [.unknown])
  }

  @Test("a method whose every λ is inert is said to help nowhere")
  func helpsNowhere() throws {
    let f = StudyFindings(arms: [
      Self.arm(.single, plasticity: nil, stability: nil),
      Self.arm(.peso, 2, plasticity: Self.ci(-0.001, 0.001), stability: Self.ci(-0.001, 0.002)),
      Self.arm(.peso, 8, plasticity: Self.ci(-0.002, 0.001), stability: Self.ci(-0.002, 0.003)),
    ])
    let peso = try #require(f.methods.first)
    #expect(peso.summary.hasPrefix("peso: the anchor helps nowhere on this grid"))
  }
}
