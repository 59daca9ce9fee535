import Foundation

/// The names of the ranking metrics, as the command line and the metrics table spell them.
public enum RankingMetricName: String, CaseIterable, Codable, Sendable {
  case hit5, hit10, ndcg5, ndcg10, mrr

  /// The name people write: NDCG@5, Hit@10, MRR.
  public var label: String {
    switch self {
    case .hit5: return "Hit@5"
    case .hit10: return "Hit@10"
    case .ndcg5: return "NDCG@5"
    case .ndcg10: return "NDCG@10"
    case .mrr: return "MRR"
    }
  }
}

/// Hit@5, Hit@10, NDCG@5, NDCG@10 and MRR averaged over examples (Docs/Design.md §5).
///
/// A hit is code-tuple equality with the target item's tuple: items can share a tuple, and the
/// paper's evaluation counts any of them (Docs/Design.md §2). Each example has one relevant tuple, so
/// with its 1-based rank r in the generated list, NDCG@k = 1/log2(r + 1) if r ≤ k, else 0
/// (the ideal DCG is 1), and the reciprocal rank is 1/r within the whole list, 0 if absent.
public struct RankingMetrics: Codable, Sendable, Equatable {
  public var hit5: Double
  public var hit10: Double
  public var ndcg5: Double
  public var ndcg10: Double
  public var mrr: Double
  /// Number of examples averaged.
  public var count: Int

  public init(hit5: Double, hit10: Double, ndcg5: Double, ndcg10: Double, mrr: Double, count: Int) {
    self.hit5 = hit5
    self.hit10 = hit10
    self.ndcg5 = ndcg5
    self.ndcg10 = ndcg10
    self.mrr = mrr
    self.count = count
  }

  /// All zero over no examples.
  public static let empty = RankingMetrics(hit5: 0, hit10: 0, ndcg5: 0, ndcg10: 0, mrr: 0, count: 0)

  /// Averages the metrics over examples: `rankings[i]` is example i's list, best first, and
  /// `targets[i]` its target item's code tuple.
  ///
  /// Pairs are taken up to the shorter of the two lists; `count` says how many were used.
  public static func compute(rankings: [[RankedTuple]], targets: [[Int]]) -> RankingMetrics {
    var sum = RankingMetrics.empty
    for (ranking, target) in zip(rankings, targets) {
      sum.count += 1
      guard let rank = rank(of: target, in: ranking) else { continue }
      let gain = 1 / log2(Double(rank) + 1)
      if rank <= 5 {
        sum.hit5 += 1
        sum.ndcg5 += gain
      }
      if rank <= 10 {
        sum.hit10 += 1
        sum.ndcg10 += gain
      }
      sum.mrr += 1 / Double(rank)
    }
    guard sum.count > 0 else { return .empty }
    let n = Double(sum.count)
    return RankingMetrics(
      hit5: sum.hit5 / n, hit10: sum.hit10 / n, ndcg5: sum.ndcg5 / n, ndcg10: sum.ndcg10 / n,
      mrr: sum.mrr / n, count: sum.count)
  }

  /// The 1-based position of the first candidate whose codes equal `target`, or nil if none does.
  public static func rank(of target: [Int], in ranking: [RankedTuple]) -> Int? {
    rank(of: target, inTuples: ranking.lazy.map(\.codes))
  }

  /// The same for a list of bare code tuples (the counting baselines', Docs/Math.md §44).
  public static func rank<List: Sequence>(of target: [Int], inTuples ranking: List) -> Int? where List.Element == [Int] {
    for (position, codes) in ranking.enumerated() where codes == target { return position + 1 }
    return nil
  }

  /// The example-weighted average of several parts (e.g. mini-batches or user groups).
  public static func combine(_ parts: [RankingMetrics]) -> RankingMetrics {
    let total = parts.reduce(0) { $0 + $1.count }
    guard total > 0 else { return .empty }
    func mean(_ value: (RankingMetrics) -> Double) -> Double {
      parts.reduce(0) { $0 + value($1) * Double($1.count) } / Double(total)
    }
    return RankingMetrics(
      hit5: mean(\.hit5), hit10: mean(\.hit10), ndcg5: mean(\.ndcg5), ndcg10: mean(\.ndcg10),
      mrr: mean(\.mrr), count: total)
  }

  /// The metric called `name`.
  public func value(_ name: RankingMetricName) -> Double {
    switch name {
    case .hit5: return hit5
    case .hit10: return hit10
    case .ndcg5: return ndcg5
    case .ndcg10: return ndcg10
    case .mrr: return mrr
    }
  }
}
