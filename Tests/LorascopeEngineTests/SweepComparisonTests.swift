import Foundation
import Testing

@testable import LorascopeEngine

/// Every arm against single (Docs/Statistics.md, "Sweeps: every arm against single"): the paired
/// difference is the mean of the cell differences, the interval finds planted effects, and unpaired
/// or repeated runs are refused.
@Suite("Sweep comparison")
struct SweepComparisonTests {
  /// A finished run whose metrics are exactly those of its ranks.
  static func run(_ method: ContinualMethod, lambda: Double = 0, seed: UInt64, ranks: [[ExampleRanks]]) -> SweepRunResult {
    var metrics = RunMetrics(method: method, lambda: lambda, seed: seed, blocks: ranks.count)
    metrics.stages = ranks.enumerated().map { t, blocks in
      StageMetrics(
        stage: t, own: blocks[t].metrics, perBlock: blocks.map(\.metrics), validationCE: 1, trainSteps: 1,
        trainSeconds: 0, evaluationSeconds: 0, finalCE: nil, finalPenalty: nil, penaltyGradientRatio: nil, penaltyNats: nil)
    }
    return SweepRunResult(method: method, lambda: lambda, seed: seed, metrics: metrics, ranks: RunRanks(stages: ranks))
  }

  /// Ranks for blocks of the given sizes; `rank(t, j, u)` gives each.
  static func ranks(blocks sizes: [Int], _ rank: (Int, Int, Int) -> Int) -> [[ExampleRanks]] {
    (0..<sizes.count).map { t in
      (0...t).map { j in ExampleRanks(users: Array(0..<sizes[j]), ranks: (0..<sizes[j]).map { rank(t, j, $0) }) }
    }
  }

  @Test("the paired mean is the mean of the cell means, even when blocks differ in size; planted effects are found")
  func plantedDifferences() throws {
    let sizes = [30, 10, 40]
    var rng = SeededRNG(seed: 5)
    var runs: [SweepRunResult] = []
    for seed: UInt64 in [0, 1, 2] {
      let base = Self.ranks(blocks: sizes) { _, _, _ in Int(rng.next() % 8) }
      runs.append(Self.run(.single, seed: seed, ranks: base))
      // peso: every later-block user of the own-block cells moves to rank 1 (a large plasticity gain).
      runs.append(Self.run(.peso, lambda: 100, seed: seed, ranks: base.enumerated().map { t, blocks in
        blocks.enumerated().map { j, r in t == j && t >= 1 ? ExampleRanks(users: r.users, ranks: r.ranks.map { _ in 1 }) : r }
      }))
      runs.append(Self.run(.peso, lambda: 0, seed: seed, ranks: base))   // identical to single
    }
    let arms = try SweepComparison.compare(runs, replicates: 400)
    #expect(arms.map(\.method) == [.peso, .peso, .single])
    let gain = try #require(arms.first { $0.lambda == 100 })
    let same = try #require(arms.first { $0.method == .peso && $0.lambda == 0 })
    let single = try #require(arms.first { $0.method == .single })
    let plasticity = try #require(gain.plasticityDifference)
    #expect(abs(plasticity.mean - (gain.plasticity.mean - single.plasticity.mean)) < 1e-12)
    #expect(plasticity.verdict == "better" && plasticity.lower > 0)
    // Stability cells (the last stage on blocks 0, 1) are unchanged except block 2's own cell.
    let stability = try #require(gain.stabilityDifference)
    #expect(abs(stability.mean - (gain.stability.mean - single.stability.mean)) < 1e-12)
    #expect(same.plasticityDifference == ConfidenceInterval(mean: 0, lower: 0, upper: 0, confidence: 0.95))
    #expect(same.plasticityVerdict == "no effect measured")
    #expect(single.plasticityDifference == nil && single.plasticity.perSeed.count == 3)
    #expect(gain.plasticityDifferenceSpread?.perSeed.count == 3)
  }

  @Test("an arm on a seed single did not run, a repeated run, or different test users are refused")
  func refusals() throws {
    let r = Self.ranks(blocks: [5, 5]) { _, _, u in u }
    #expect(throws: LorascopeError.self) {
      _ = try SweepComparison.compare([Self.run(.single, seed: 0, ranks: r), Self.run(.l2, lambda: 1, seed: 1, ranks: r)])
    }
    #expect(throws: LorascopeError.self) {
      _ = try SweepComparison.compare([Self.run(.single, seed: 0, ranks: r), Self.run(.single, seed: 0, ranks: r)])
    }
    let other = Self.ranks(blocks: [5, 5]) { _, _, u in u }.map { $0.map { ExampleRanks(users: $0.users.map { $0 + 100 }, ranks: $0.ranks) } }
    #expect(throws: LorascopeError.self) {
      _ = try SweepComparison.compare([Self.run(.single, seed: 0, ranks: r), Self.run(.l2, lambda: 1, seed: 0, ranks: other)])
    }
    // A run without ranks (from before ranks.json) keeps its means but gets no interval.
    var old = Self.run(.ewc, lambda: 1, seed: 0, ranks: r)
    old.ranks = nil
    let arms = try SweepComparison.compare([Self.run(.single, seed: 0, ranks: r), old])
    #expect(arms.first { $0.method == .ewc }?.plasticityDifference == nil)
    #expect(arms.first { $0.method == .ewc }?.plasticity.mean.isFinite == true)
  }
}
