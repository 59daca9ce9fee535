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
      #expect(m.stages[t].bestCounter != nil)
    }
    #expect(try dir.readRanks() == session.ranks)
    #expect(try dir.readMetrics() == m)
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
