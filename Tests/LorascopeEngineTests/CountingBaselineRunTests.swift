import Foundation
import Testing

@testable import LorascopeEngine

/// A run records the counting baselines (Docs/Math.md §44) of every stage: the numbers
/// `lorascope baselines` gives for the run's seed and test users, with their per-user ranks.
@Suite("Counting baselines in a run")
struct CountingBaselineRunTests {
  @Test("every stage records the baselines of its own test users, as CountingBaselineEvaluation gives them, ranks in ranks.json")
  func runRecordsBaselines() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 80)
    let c = ContinualPipelineTests.config(data, method: .frozen)
    #expect(c.evaluationUsers! < (try data.split(block: 0).test.count), "the seeded subset is exercised")
    let dir = try RunDirectory(url: ContinualPipelineTests.tempDir())
    let session = try ContinualSession(config: c, dataset: data, runDirectory: dir, backboneCache: ContinualPipelineTests.tempDir())
    let m = try session.run()
    let expected = try CountingBaselineEvaluation.ranksPerBlock(
      dataset: data, evaluationUsers: c.evaluationUsers, seed: c.seed, maxHistory: c.maxHistory, listLength: c.beamWidth)
    #expect(m.stages.map(\.baselines) == expected.map(\.metrics))
    #expect(session.ranks?.baselines == expected)
    for t in 0..<data.numBlocks {
      #expect(expected[t].cooccurrence.users == session.ranks?.stages[t][t].users, "stage \(t): the model's test users")
    }
    #expect(try dir.readRanks() == session.ranks)
    #expect(try dir.readMetrics() == m)
    // The comparison pairs the model's ranks with the best counter's, user by user.
    let comparisons = CountingBaselineComparison.perStage(runs: [(m, session.ranks)])
    #expect(comparisons.count == data.numBlocks)
    for c in comparisons {
      let counters = try #require(m.stages[c.stage].baselines)
      #expect(c.counterValue == CountingBaseline.allCases.map { counters[$0].ndcg5 }.max())
      #expect(c.model == m.stages[c.stage].own.ndcg5)
      let d = try #require(c.difference)
      #expect(abs(d.mean - (c.model - c.counterValue)) < 1e-12)
      #expect(d.lower <= d.mean && d.mean <= d.upper)
      #expect((c.belowSentence != nil) == (c.model < c.counterValue))
    }
    // Without ranks there is no interval, the comparison of means stays.
    #expect(CountingBaselineComparison.perStage(runs: [(m, nil)]).allSatisfy { $0.difference == nil })
  }

  @Test("the sentence names the counter, the block and both numbers")
  func sentence() {
    let c = CountingBaselineComparison(
      stage: 3, metric: .ndcg5, counter: .cooccurrence, model: 0.0212, counterValue: 0.0354, difference: nil, seeds: 1)
    #expect(c.belowSentence == "the model is below the co-occurrence counter on block 3: 0.0212 against 0.0354")
    var above = c
    above.model = 0.04
    #expect(above.belowSentence == nil)
  }

  @Test("metrics.json and ranks.json written before the baselines still read, without them")
  func olderFilesDecode() throws {
    let metrics = RankingMetrics(hit5: 0.5, hit10: 0.5, ndcg5: 0.5, ndcg10: 0.5, mrr: 0.5, count: 2)
    let stage = StageMetrics(
      stage: 0, own: metrics, perBlock: [metrics], validationCE: 1, trainSteps: 1, trainSeconds: 0,
      evaluationSeconds: 0, finalCE: nil, finalPenalty: nil, penaltyGradientRatio: nil, penaltyNats: nil)
    let json = String(decoding: try JSONEncoder().encode(stage), as: UTF8.self)
    #expect(!json.contains("baselines"))
    #expect(try JSONDecoder().decode(StageMetrics.self, from: Data(json.utf8)).baselines == nil)
    let ranks = try JSONDecoder().decode(RunRanks.self, from: Data(#"{"version":1,"stages":[[{"users":[0],"ranks":[1]}]]}"#.utf8))
    #expect(ranks.baselines == nil)
    try ranks.validate(path: "ranks.json")
    var wrong = RunRanks(stages: ranks.stages)
    let other = ExampleRanks(users: [5], ranks: [1])
    wrong.baselines = [CountingBaselineValues(popularity: other, markov: other, cooccurrence: other)]
    #expect(throws: LorascopeError.self) { try wrong.validate(path: "ranks.json") }
  }
}
