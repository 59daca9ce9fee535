/// Ranks the next item of test examples by the counting baselines' counts (Docs/Math.md §44),
/// into the same `ExampleRanks` the model's beam search gives, so every metric and paired
/// interval comes out of the same code.
struct CountingBaselineRanker: Sendable {
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
    var scratch = Scratch(itemCount: codes.count)
    return ExampleRanks(
      users: examples.map(\.userIndex),
      ranks: examples.map {
        RankingMetrics.rank(of: codes[$0.target], inTuples: ranking(baseline, history: $0.history, scratch: &scratch)) ?? 0
      })
  }

  /// The ranks under every baseline.
  public func ranks(examples: [EvaluationExample]) -> CountingBaselineValues<ExampleRanks> {
    CountingBaselineValues { ranks($0, examples: examples) }
  }

  /// Scores of one example, dense so that adding a row costs no hashing: `score[y]` for every y in
  /// `touched`, zero elsewhere. Reused from example to example.
  struct Scratch {
    var score: [Int]
    var touched: [Int] = []

    init(itemCount: Int) { score = [Int](repeating: 0, count: itemCount) }

    mutating func clear() {
      for y in touched { score[y] = 0 }
      touched.removeAll(keepingCapacity: true)
    }
  }

  /// The first `listLength` distinct code tuples, best first, none of them a history item's.
  func ranking(_ baseline: CountingBaseline, history: [Int]) -> [[Int]] {
    var scratch = Scratch(itemCount: codes.count)
    return ranking(baseline, history: history, scratch: &scratch)
  }

  func ranking(_ baseline: CountingBaseline, history: [Int], scratch: inout Scratch) -> [[Int]] {
    accumulate(baseline, history: history, into: &scratch)
    defer { scratch.clear() }
    let pop = counts.popularity
    let score = scratch.score
    let candidates = scratch.touched.sorted { a, b in
      if score[a] != score[b] { return score[a] > score[b] }
      if pop[a] != pop[b] { return pop[a] > pop[b] }
      return a < b
    }
    var excluded = Set(history.map { tupleOf[$0] })
    var list: [[Int]] = []
    /// Adds the item's tuple unless it is listed or a history item's; true once the list is full.
    func take(_ item: Int) -> Bool {
      let tuple = tupleOf[item]
      if excluded.insert(tuple).inserted { list.append(codes[tuple]) }
      return list.count == listLength
    }
    for item in candidates where take(item) { return list }
    for item in popularityOrder where take(item) { return list }
    return list
  }

  /// score(y) × the baseline's constant, for every y with a positive score.
  func scores(_ baseline: CountingBaseline, history: [Int]) -> [Int: Int] {
    var scratch = Scratch(itemCount: codes.count)
    accumulate(baseline, history: history, into: &scratch)
    return Dictionary(uniqueKeysWithValues: scratch.touched.map { ($0, scratch.score[$0]) })
  }

  /// Adds score(y) × the baseline's constant into `scratch` (counts are positive, so every
  /// touched item has a positive score).
  private func accumulate(_ baseline: CountingBaseline, history: [Int], into scratch: inout Scratch) {
    for k in 0..<min(baseline.historyDepth, history.count) {
      let w = baseline.weight(recency: k)
      for (y, c) in counts.row(baseline, of: history[history.count - 1 - k]) {
        if scratch.score[y] == 0 { scratch.touched.append(y) }
        scratch.score[y] += w * c
      }
    }
  }
}
