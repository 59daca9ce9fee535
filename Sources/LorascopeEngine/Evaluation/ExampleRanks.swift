import Foundation

/// Where each test user's target landed in the generated list: the per-user record that paired
/// statistics resample (Docs/Statistics.md, "Paired differences").
///
/// An average such as NDCG@5 hides which users moved; two arms can only be compared user by user
/// if each arm keeps these ranks. Every metric of `RankingMetrics` is a function of the rank, so
/// the ranks are all that needs keeping.
public struct ExampleRanks: Codable, Sendable, Equatable {
  /// The test users, as positions in their block's user list, in evaluation order.
  public var users: [Int]
  /// The 1-based rank of each user's target tuple, 0 when it is not in the list.
  public var ranks: [Int]

  public init(users: [Int], ranks: [Int]) {
    precondition(users.count == ranks.count, "one rank per user")
    self.users = users
    self.ranks = ranks
  }

  /// The ranks of `targets` (code tuples) in `rankings`, one per user.
  public init(users: [Int], rankings: [[RankedTuple]], targets: [[Int]]) {
    precondition(users.count == rankings.count && rankings.count == targets.count, "one ranking per user")
    self.init(users: users, ranks: zip(rankings, targets).map { RankingMetrics.rank(of: $1, in: $0) ?? 0 })
  }

  /// The metric's value for each user (the gains that `RankingMetrics.compute` averages).
  public func values(_ metric: RankingMetricName) -> [Double] {
    ranks.map { Self.value(metric, rank: $0) }
  }

  /// The averages, equal to `RankingMetrics.compute` over the same rankings.
  public var metrics: RankingMetrics {
    guard !ranks.isEmpty else { return .empty }
    func mean(_ m: RankingMetricName) -> Double { values(m).reduce(0, +) / Double(ranks.count) }
    return RankingMetrics(
      hit5: mean(.hit5), hit10: mean(.hit10), ndcg5: mean(.ndcg5), ndcg10: mean(.ndcg10),
      mrr: mean(.mrr), count: ranks.count)
  }

  static func value(_ metric: RankingMetricName, rank: Int) -> Double {
    guard rank > 0 else { return 0 }
    switch metric {
    case .hit5: return rank <= 5 ? 1 : 0
    case .hit10: return rank <= 10 ? 1 : 0
    case .ndcg5: return rank <= 5 ? 1 / log2(Double(rank) + 1) : 0
    case .ndcg10: return rank <= 10 ? 1 / log2(Double(rank) + 1) : 0
    case .mrr: return 1 / Double(rank)
    }
  }

  /// Per-seed paired values of two arms: `baseline[s]` and `treatment[s]` are the same seed's
  /// ranks under each arm. Refuses arms scored on different users.
  public static func paired(
    baseline: [ExampleRanks], treatment: [ExampleRanks], metric: RankingMetricName
  ) throws -> PairedBootstrap {
    guard baseline.count == treatment.count else {
      throw LorascopeError.usage("paired comparison: \(baseline.count) seeds against \(treatment.count)")
    }
    for (s, (a, b)) in zip(baseline, treatment).enumerated() where a.users != b.users {
      throw LorascopeError.usage("paired comparison: seed \(s) scored different test users in the two arms")
    }
    return try PairedBootstrap(baseline: baseline.map { $0.values(metric) }, treatment: treatment.map { $0.values(metric) })
  }
}
