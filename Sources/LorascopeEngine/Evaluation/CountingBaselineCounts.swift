/// The counts the counting baselines rank with, fitted block by block on exactly what the
/// stages train on (Docs/Math.md §44): after `fit(_:through:)` with t, the counts of stage t.
///
/// Sparse: one dictionary per item for the Markov transitions and the co-occurrences, so
/// Video_Games' 26k items cost what their observed pairs cost, not a dense 26k × 26k table.
struct CountingBaselineCounts: Sendable {
  /// The co-occurrence window: pairs at most this many positions apart count.
  static let window = 5
  /// Co-occurrence counts are kept in units of 1/60, so 1/(i−j) for i−j ≤ 5 is an integer.
  static let cooccurrenceUnit = 60

  /// Blocks 0..<fittedBlocks are counted.
  public private(set) var fittedBlocks = 0
  /// pop[y]: how often y is a current-part item of a train list.
  private(set) var popularity: [Int]
  /// trans[x][y]: how often y follows x in a train list (y in the current part).
  private(set) var transitions: [[Int: Int]]
  /// cooc[x][y] in units of 1/60 (symmetric).
  private(set) var cooccurrences: [[Int: Int]]

  /// Empty counts over `itemCount` items.
  public init(itemCount: Int) {
    popularity = [Int](repeating: 0, count: itemCount)
    transitions = [[Int: Int]](repeating: [:], count: itemCount)
    cooccurrences = [[Int: Int]](repeating: [:], count: itemCount)
  }

  /// The counts of stage `t`: blocks 0…t of `dataset`.
  public init(dataset: ContinualDataset, throughBlock t: Int) throws {
    self.init(itemCount: dataset.items.numItems)
    try fit(dataset, through: t)
  }

  /// Adds the blocks after the last one counted, up to and including block `t`.
  public mutating func fit(_ dataset: ContinualDataset, through t: Int) throws {
    guard dataset.blocks.indices.contains(t) else {
      throw LorascopeError.usage("block \(t) does not exist: \(dataset.name) has blocks 0..\(dataset.numBlocks - 1)")
    }
    guard dataset.items.numItems == popularity.count else {
      throw LorascopeError.usage("counts over \(popularity.count) items cannot fit \(dataset.name)'s \(dataset.items.numItems)")
    }
    while fittedBlocks <= t {
      for user in dataset.blocks[fittedBlocks].users where user.takesPart {
        add(trainItems: user.trainItems, firstCounted: user.previous.count)
      }
      fittedBlocks += 1
    }
  }

  /// Counts one train list S whose positions ≥ `firstCounted` (P) are the current part.
  mutating func add(trainItems s: [Int], firstCounted p: Int) {
    guard p >= 0, p < s.count else { return }
    for i in p..<s.count {
      popularity[s[i]] += 1
      if i >= 1 { transitions[s[i - 1]][s[i], default: 0] += 1 }
      for j in max(0, i - Self.window)..<i {
        let w = Self.cooccurrenceUnit / (i - j)
        cooccurrences[s[j]][s[i], default: 0] += w
        cooccurrences[s[i]][s[j], default: 0] += w
      }
    }
  }

  /// The counts `baseline` scores with from history item `item` (empty for popularity).
  func row(_ baseline: CountingBaseline, of item: Int) -> [Int: Int] {
    switch baseline {
    case .popularity: return [:]
    case .markov: return transitions[item]
    case .cooccurrence: return cooccurrences[item]
    }
  }
}
