/// Ranks the next item of test examples by the counting baselines' counts (Docs/Math.md §44),
/// into the same `ExampleRanks` the model's beam search gives, so every metric and paired
/// interval comes out of the same code.
public struct CountingBaselineRanker: Sendable {
  public let counts: CountingBaselineCounts
  /// The list's length: the beam width the model's list has (10 by default).
  public let listLength: Int
  private let codes: [[Int]]
  /// tupleOf[i]: the first item with item i's code tuple (a hit is code-tuple equality, Docs/Math.md §35).
  private let tupleOf: [Int]
  /// Every item by popularity descending, ties by lower item index.
  private let popularityOrder: [Int]

  public init(counts: CountingBaselineCounts, items: ItemIndex, listLength: Int = 10) {
    precondition(counts.popularity.count == items.numItems, "counts and items of different catalogues")
    precondition(listLength >= 1, "a list needs at least one entry")
    self.counts = counts
    self.listLength = listLength
    codes = items.codes
    var firstWithTuple: [[Int]: Int] = [:]
    tupleOf = items.codes.indices.map { i in
      if let first = firstWithTuple[items.codes[i]] { return first }
      firstWithTuple[items.codes[i]] = i
      return i
    }
    let pop = counts.popularity
    popularityOrder = pop.indices.sorted { pop[$0] != pop[$1] ? pop[$0] > pop[$1] : $0 < $1 }
  }

  /// The ranks of `examples`' targets under `baseline`, one per example, in order.
  public func ranks(_ baseline: CountingBaseline, examples: [EvaluationExample]) -> ExampleRanks {
    ExampleRanks(
      users: examples.map(\.userIndex),
      ranks: examples.map { RankingMetrics.rank(of: codes[$0.target], inTuples: ranking(baseline, history: $0.history)) ?? 0 })
  }

  /// The ranks under every baseline.
  public func ranks(examples: [EvaluationExample]) -> CountingBaselineValues<ExampleRanks> {
    CountingBaselineValues { ranks($0, examples: examples) }
  }

  /// The first `listLength` distinct code tuples, best first, none of them a history item's.
  func ranking(_ baseline: CountingBaseline, history: [Int]) -> [[Int]] {
    let pop = counts.popularity
    let candidates = scores(baseline, history: history).sorted { a, b in
      if a.value != b.value { return a.value > b.value }
      if pop[a.key] != pop[b.key] { return pop[a.key] > pop[b.key] }
      return a.key < b.key
    }.lazy.map(\.key)
    var excluded = Set(history.map { tupleOf[$0] })
    var list: [[Int]] = []
    for item in [AnySequence(candidates), AnySequence(popularityOrder)].joined() {
      let tuple = tupleOf[item]
      guard excluded.insert(tuple).inserted else { continue }
      list.append(codes[tuple])
      if list.count == listLength { break }
    }
    return list
  }

  /// score(y) × the baseline's constant, for every y with a positive score.
  func scores(_ baseline: CountingBaseline, history: [Int]) -> [Int: Int] {
    var scores: [Int: Int] = [:]
    for k in 0..<min(baseline.historyDepth, history.count) {
      let w = baseline.weight(recency: k)
      for (y, c) in counts.row(baseline, of: history[history.count - 1 - k]) { scores[y, default: 0] += w * c }
    }
    return scores
  }
}
