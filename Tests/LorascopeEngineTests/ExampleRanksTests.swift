import Foundation
import Testing

@testable import LorascopeEngine

/// Per-user ranks reproduce the averaged metrics and pair two arms user by user (Docs/Statistics.md).
struct ExampleRanksTests {
  static func ranking(_ order: [Int]) -> [RankedTuple] {
    order.map { RankedTuple(codes: [$0, 0], logProb: 0) }
  }

  @Test func ranksAverageToTheSameMetricsAsCompute() {
    var rng = SeededRNG(seed: 3)
    var rankings: [[RankedTuple]] = []
    var targets: [[Int]] = []
    for _ in 0..<500 {
      let order = (0..<12).shuffled(using: &rng)
      rankings.append(Self.ranking(Array(order.prefix(10))))
      targets.append([Int(rng.next() % 12), 0])  // sometimes absent from the top 10
    }
    let ranks = ExampleRanks(users: Array(0..<500), rankings: rankings, targets: targets)
    let expected = RankingMetrics.compute(rankings: rankings, targets: targets)
    let got = ranks.metrics
    #expect(got.count == expected.count)
    for m in RankingMetricName.allCases {
      #expect(abs(got.value(m) - expected.value(m)) < 1e-12, "\(m)")
    }
    #expect(ranks.ranks.contains(0))
  }

  @Test func pairingRefusesDifferentUsers() {
    let a = ExampleRanks(users: [0, 1, 2], ranks: [1, 0, 3])
    let b = ExampleRanks(users: [0, 2, 1], ranks: [1, 0, 3])
    #expect(throws: LorascopeError.self) { try ExampleRanks.paired(baseline: [a], treatment: [b], metric: .ndcg5) }
    #expect(throws: LorascopeError.self) { try ExampleRanks.paired(baseline: [a, a], treatment: [a], metric: .ndcg5) }
  }

  @Test func aUserWhoseTargetRoseToRankOneCountsFully() throws {
    let a = ExampleRanks(users: [0, 1], ranks: [0, 2])
    let b = ExampleRanks(users: [0, 1], ranks: [1, 2])
    let boot = try ExampleRanks.paired(baseline: [a], treatment: [b], metric: .ndcg5)
    #expect(boot.meanDifference == 0.5)  // (1 − 0 + 0) / 2
  }
}
