import Foundation
import Testing

@testable import LorascopeEngine

/// Hit@K, NDCG@K and MRR with code-tuple hits (Docs/Design.md §2, §5), against hand-computed values.
struct RankingMetricsTests {
  /// A ranking of `count` distinct tuples [i, 0, 0], best first.
  static func ranking(_ count: Int) -> [RankedTuple] {
    (0..<count).map { RankedTuple(codes: [$0, 0, 0], logProb: -Float($0)) }
  }

  static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }

  @Test func targetAtRankThree() {
    let metrics = RankingMetrics.compute(rankings: [Self.ranking(10)], targets: [[2, 0, 0]])
    #expect(metrics.count == 1)
    #expect(metrics.hit5 == 1)
    #expect(metrics.hit10 == 1)
    #expect(Self.close(metrics.ndcg5, 0.5))  // 1 / log2(3 + 1)
    #expect(Self.close(metrics.ndcg10, 0.5))
    #expect(Self.close(metrics.mrr, 1.0 / 3))
  }

  @Test func targetAtRankSevenCountsOnlyAtTen() {
    let metrics = RankingMetrics.compute(rankings: [Self.ranking(10)], targets: [[6, 0, 0]])
    #expect(metrics.hit5 == 0)
    #expect(metrics.ndcg5 == 0)
    #expect(metrics.hit10 == 1)
    #expect(Self.close(metrics.ndcg10, 1.0 / 3))  // 1 / log2(7 + 1)
    #expect(Self.close(metrics.mrr, 1.0 / 7))
  }

  @Test func rankOneScoresOne() {
    let metrics = RankingMetrics.compute(rankings: [Self.ranking(10)], targets: [[0, 0, 0]])
    #expect(metrics == RankingMetrics(hit5: 1, hit10: 1, ndcg5: 1, ndcg10: 1, mrr: 1, count: 1))
  }

  @Test func absentTargetScoresZero() {
    let metrics = RankingMetrics.compute(rankings: [Self.ranking(10)], targets: [[0, 0, 1]])
    #expect(metrics == RankingMetrics(hit5: 0, hit10: 0, ndcg5: 0, ndcg10: 0, mrr: 0, count: 1))
    // A prefix of the target is not a hit either.
    #expect(RankingMetrics.compute(rankings: [Self.ranking(10)], targets: [[0, 0]]).hit10 == 0)
  }

  @Test func averagesOverExamples() {
    let metrics = RankingMetrics.compute(
      rankings: [Self.ranking(10), Self.ranking(10), Self.ranking(3), []],
      targets: [[2, 0, 0], [6, 0, 0], [0, 0, 0], [0, 0, 0]])
    #expect(metrics.count == 4)
    #expect(Self.close(metrics.hit5, 2.0 / 4))
    #expect(Self.close(metrics.hit10, 3.0 / 4))
    #expect(Self.close(metrics.ndcg5, (0.5 + 1) / 4))
    let ndcg10Sum: Double = 0.5 + 1.0 / 3 + 1
    let reciprocalSum: Double = 1.0 / 3 + 1.0 / 7 + 1
    #expect(Self.close(metrics.ndcg10, ndcg10Sum / 4))
    #expect(Self.close(metrics.mrr, reciprocalSum / 4))
    #expect(Self.close(metrics.value(.ndcg10), metrics.ndcg10))
  }

  @Test func reciprocalRankLooksBeyondTen() {
    let metrics = RankingMetrics.compute(rankings: [Self.ranking(20)], targets: [[14, 0, 0]])
    #expect(metrics.hit10 == 0)
    #expect(Self.close(metrics.mrr, 1.0 / 15))
    #expect(RankingMetrics.rank(of: [14, 0, 0], in: Self.ranking(20)) == 15)
    #expect(RankingMetrics.rank(of: [20, 0, 0], in: Self.ranking(20)) == nil)
  }

  @Test func itemsSharingATupleAreBothHits() throws {
    // Items 1 and 3 share the tuple [2, 1, 0] (a collision, Docs/Design.md §2).
    let codes = [[0, 0, 0], [2, 1, 0], [1, 1, 1], [2, 1, 0]]
    let trie = try ItemTrie(codes: codes, codebookSize: 3)
    #expect(trie.items(atLeaf: [2, 1, 0]) == [1, 3])
    let generated = [[RankedTuple(codes: [1, 1, 1], logProb: -1), RankedTuple(codes: [2, 1, 0], logProb: -2)]]
    let forItem1 = RankingMetrics.compute(rankings: generated, targets: [codes[1]])
    let forItem3 = RankingMetrics.compute(rankings: generated, targets: [codes[3]])
    #expect(forItem1 == forItem3)
    #expect(forItem3.hit5 == 1)
    #expect(Self.close(forItem3.mrr, 0.5))
  }

  @Test func emptyInputAndCombination() throws {
    #expect(RankingMetrics.compute(rankings: [], targets: []) == .empty)
    let a = RankingMetrics.compute(rankings: [Self.ranking(10)], targets: [[2, 0, 0]])
    let b = RankingMetrics.compute(
      rankings: [Self.ranking(10), Self.ranking(10), Self.ranking(10)],
      targets: [[0, 0, 0], [9, 9, 9], [9, 9, 9]])
    let whole = RankingMetrics.compute(
      rankings: Array(repeating: Self.ranking(10), count: 4),
      targets: [[2, 0, 0], [0, 0, 0], [9, 9, 9], [9, 9, 9]])
    let combined = RankingMetrics.combine([a, b, .empty])
    #expect(combined.count == 4)
    #expect(Self.close(combined.ndcg5, whole.ndcg5))
    #expect(Self.close(combined.mrr, whole.mrr))
    #expect(RankingMetrics.combine([]) == .empty)

    let decoded = try JSONDecoder().decode(RankingMetrics.self, from: JSONEncoder().encode(whole))
    #expect(decoded == whole)
  }
}
