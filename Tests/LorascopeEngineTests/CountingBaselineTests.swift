import Foundation
import Testing

@testable import LorascopeEngine

/// The counting baselines (Docs/Math.md §44) against counts and ranks derived by hand on a toy
/// dataset, and against the reference numbers on the released Video_Games data.
@Suite("Counting baselines")
struct CountingBaselineTests {
  /// Eight items of two codes; item 7 shares item 6's tuple (2, 1).
  static func toy() throws -> ContinualDataset {
    let codes = [[0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1], [2, 1], [2, 1]]
    let items = try ItemIndex(itemIDs: (0..<8).map { "i\($0)" }, codes: codes)
    let block0 = DataBlock(index: 0, users: [
      UserBlock(userID: "A", previous: [], current: [0, 1, 2, 5, 4]),  // S = 0 1 2, P = 0
      UserBlock(userID: "B", previous: [], current: [3, 1, 2, 6, 0]),  // S = 3 1 2, P = 0
      UserBlock(userID: "C", previous: [4, 5], current: [0, 2, 6, 1]),  // S = 4 5 0 2, P = 2
      UserBlock(userID: "D", previous: [], current: [0, 5]),  // too few current items: not counted
    ])
    let block1 = DataBlock(index: 1, users: [
      UserBlock(userID: "A", previous: [0, 1], current: [6, 7, 3, 2])  // S = 0 1 6 7, P = 2
    ])
    return try ContinualDataset(name: "toy", source: "test", items: items, blocks: [block0, block1])
  }

  static func example(_ history: [Int], _ target: Int) -> EvaluationExample {
    EvaluationExample(userIndex: 0, history: history, target: target)
  }

  static func ranking(_ ranker: CountingBaselineRanker, _ b: CountingBaseline, _ history: [Int]) -> [[Int]] {
    ranker.ranking(b, history: history)
  }

  @Test("the counts of block 0 equal those derived by hand; only the current part counts")
  func countsByHand() throws {
    let counts = try CountingBaselineCounts(dataset: Self.toy(), throughBlock: 0)
    #expect(counts.fittedBlocks == 1)
    // A: 0 1 2; B: 3 1 2; C: 0 2 (4 and 5 are C's previous items).
    #expect(counts.popularity == [2, 2, 3, 1, 0, 0, 0, 0])
    // A: 0→1, 1→2; B: 3→1, 1→2; C: 5→0, 0→2 (4→5 lies in C's previous part).
    #expect(counts.transitions[0] == [1: 1, 2: 1])
    #expect(counts.transitions[1] == [2: 2])
    #expect(counts.transitions[3] == [1: 1])
    #expect(counts.transitions[5] == [0: 1])
    #expect(counts.transitions[2].isEmpty && counts.transitions[4].isEmpty)
    // In 1/60: A (0,1) 60, (1,2) 60, (0,2) 30; B (3,1) 60, (1,2) 60, (3,2) 30;
    // C (5,0) 60, (4,0) 30, (0,2) 60, (5,2) 30, (4,2) 20.
    #expect(counts.cooccurrences[0] == [1: 60, 2: 90, 5: 60, 4: 30])
    #expect(counts.cooccurrences[1] == [0: 60, 2: 120, 3: 60])
    #expect(counts.cooccurrences[2] == [1: 120, 0: 90, 3: 30, 5: 30, 4: 20])
    #expect(counts.cooccurrences[3] == [1: 60, 2: 30])
    #expect(counts.cooccurrences[4] == [0: 30, 2: 20])
    #expect(counts.cooccurrences[5] == [0: 60, 2: 30])
    #expect(counts.cooccurrences[6].isEmpty)
  }

  @Test("fitting block by block equals fitting through the last block at once")
  func incrementalFit() throws {
    let data = try Self.toy()
    var stepwise = try CountingBaselineCounts(dataset: data, throughBlock: 0)
    try stepwise.fit(data, through: 1)
    let atOnce = try CountingBaselineCounts(dataset: data, throughBlock: 1)
    #expect(stepwise.fittedBlocks == 2 && atOnce.fittedBlocks == 2)
    #expect(stepwise.popularity == atOnce.popularity)
    #expect(stepwise.transitions == atOnce.transitions && stepwise.cooccurrences == atOnce.cooccurrences)
    // Block 1 adds 6 and 7 (P = 2), 1→6, 6→7, and (1,6) 60, (0,6) 30, (6,7) 60, (1,7) 30, (0,7) 20.
    #expect(atOnce.popularity == [2, 2, 3, 1, 0, 0, 1, 1])
    #expect(atOnce.transitions[1] == [2: 2, 6: 1] && atOnce.transitions[6] == [7: 1])
    #expect(atOnce.cooccurrences[6] == [1: 60, 0: 30, 7: 60])
    #expect(atOnce.cooccurrences[0] == [1: 60, 2: 90, 5: 60, 4: 30, 6: 30, 7: 20])
    #expect(throws: LorascopeError.self) { try stepwise.fit(data, through: 2) }
  }

  @Test("popularity: most counted first, ties by lower index, history tuples and repeated tuples skipped")
  func popularityByHand() throws {
    let data = try Self.toy()
    let ranker = CountingBaselineRanker(counts: try CountingBaselineCounts(dataset: data, throughBlock: 1), items: data.items)
    // Popularity 2 (3), 0 and 1 (2, lower index first), 3, 6, 7 (1), 4, 5 (0); 7 repeats 6's tuple.
    #expect(Self.ranking(ranker, .popularity, [2]) == [[0, 0], [1, 0], [3, 0], [2, 1], [0, 1], [1, 1]])
    let ranks = ranker.ranks(.popularity, examples: [Self.example([2], 1), Self.example([2, 0], 7), Self.example([6], 7)])
    // 1 at rank 2; 7 is a hit through 6's tuple at rank 3 (after 1 and 3); 7's tuple is 6's, a history item's: absent.
    #expect(ranks.ranks == [2, 3, 0])
    #expect(ranks.users == [0, 0, 0])
  }

  @Test("Markov: recency-weighted transition counts; a tie goes to the more popular item")
  func markovByHand() throws {
    let data = try Self.toy()
    let ranker = CountingBaselineRanker(counts: try CountingBaselineCounts(dataset: data, throughBlock: 0), items: data.items)
    // History 3, 0: trans[0] = {1: 1, 2: 1} at weight 1, trans[3] = {1: 1} at 0.5 → 1: 1.5, 2: 1.
    #expect(ranker.scores(.markov, history: [3, 0]) == [1: 24, 2: 16])
    #expect(Self.ranking(ranker, .markov, [3, 0]) == [[1, 0], [2, 0], [0, 1], [1, 1], [2, 1]])
    // History 0: 1 and 2 tie at 1; 2 is more popular (3 against 2), so it comes first.
    #expect(Self.ranking(ranker, .markov, [0]) == [[2, 0], [1, 0], [3, 0], [0, 1], [1, 1], [2, 1]])
    // Only the last five items score: 5 is sixth from the end, so trans[5] = {0: 1} does not count.
    #expect(ranker.scores(.markov, history: [5, 6, 6, 6, 6, 6]).isEmpty)
    #expect(ranker.scores(.markov, history: [5, 6, 6, 6, 6]) == [0: 1])
    let ranks = ranker.ranks(.markov, examples: [Self.example([3, 0], 2), Self.example([0], 1), Self.example([0], 5)])
    #expect(ranks.ranks == [2, 2, 5])
  }

  @Test("co-occurrence: windowed, symmetric, 1/(i−j) counts weighted 0.7^k over the last ten items")
  func cooccurrenceByHand() throws {
    let data = try Self.toy()
    let ranker = CountingBaselineRanker(counts: try CountingBaselineCounts(dataset: data, throughBlock: 0), items: data.items)
    // History 4, 3: cooc[3] = {1: 1, 2: 1/2} at 1, cooc[4] = {0: 1/2, 2: 1/3} at 0.7
    // → 1: 1, 2: 0.5 + 0.7/3 = 0.7333, 0: 0.35 (scaled by 60 · 10⁹).
    #expect(ranker.scores(.cooccurrence, history: [4, 3]) == [1: 60_000_000_000, 2: 44_000_000_000, 0: 21_000_000_000])
    #expect(Self.ranking(ranker, .cooccurrence, [4, 3]) == [[1, 0], [2, 0], [0, 0], [1, 1], [2, 1]])
    // The tenth last item still scores, at 0.7⁹; the eleventh does not.
    let padding = [Int](repeating: 6, count: 9)
    #expect(ranker.scores(.cooccurrence, history: [3] + padding) == [1: 60 * 40_353_607, 2: 30 * 40_353_607])
    #expect(ranker.scores(.cooccurrence, history: [3, 6] + padding).isEmpty)
    let ranks = ranker.ranks(.cooccurrence, examples: [Self.example([4, 3], 0), Self.example([4, 3], 3)])
    #expect(ranks.ranks == [3, 0])
    #expect(ranks.metrics.ndcg5 == (0.5 + 0) / 2)
  }

  @Test("the list stops at its length, and every baseline gives one rank per example")
  func listLength() throws {
    let data = try Self.toy()
    let counts = try CountingBaselineCounts(dataset: data, throughBlock: 1)
    let short = CountingBaselineRanker(counts: counts, items: data.items, listLength: 2)
    #expect(Self.ranking(short, .popularity, [2]) == [[0, 0], [1, 0]])
    let all = short.ranks(examples: [Self.example([2], 3), Self.example([4, 3], 1)])
    #expect(all.popularity.ranks == [0, 0])
    #expect(all.cooccurrence.ranks == [0, 1])
    #expect(all.metrics.cooccurrence.hit5 == 0.5)
  }

  @Test("Video_Games, every eligible test user: NDCG@5 per block as the definitions give it")
  func videoGamesBlocks() throws {
    let data = try PESODatasetLoader.load(directory: VideoGamesFixture.directory)
    // Popularity, Markov, co-occurrence per block (Docs/Math.md §44), computed independently by
    // Scripts/data/counting_baselines.py.
    let expected: [[Double]] = [
      [0.018497, 0.028498, 0.035517], [0.017407, 0.030327, 0.035079], [0.012489, 0.030950, 0.042310],
      [0.006353, 0.021758, 0.026095], [0.007031, 0.020483, 0.030289],
    ]
    var counts = CountingBaselineCounts(itemCount: data.items.numItems)
    for t in 0..<data.numBlocks {
      try counts.fit(data, through: t)
      let ranker = CountingBaselineRanker(counts: counts, items: data.items)
      let metrics = ranker.ranks(examples: try data.split(block: t).test).metrics
      for (b, value) in zip(CountingBaseline.allCases, expected[t]) {
        #expect(abs(metrics[b].ndcg5 - value) < 5e-7, "block \(t) \(b.label): \(metrics[b].ndcg5) against \(value)")
      }
    }
  }
}
