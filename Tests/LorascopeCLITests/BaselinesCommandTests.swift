import Foundation
import Testing

@testable import LorascopeEngine
@testable import lorascope

/// `lorascope baselines` (Docs/Math.md §44): the per-block report, as text and JSON, from the
/// engine's numbers.
@Suite("baselines command")
struct BaselinesCommandTests {
  @Test("the report lists every block and counter, the later-block means, and a run's subset with --eval-users")
  func report() throws {
    let data = try SyntheticDrift.generate(SyntheticDriftConfig(seed: SyntheticDriftConfig.defaultSeed))
    let command = try BaselinesCommand.parse(["--eval-users", "50", "--seed", "4"])
    let perBlock = try CountingBaselineEvaluation.ranksPerBlock(
      dataset: data, evaluationUsers: try command.evaluationUsers, seed: command.seed, listLength: command.beam)
    #expect(perBlock.allSatisfy { $0.cooccurrence.users.count == 50 })
    let report = BaselinesReport(
      data: data.name, evalUsers: 50, seed: 4, listLength: 10,
      blocks: perBlock.enumerated().map { BaselinesReport.Block(block: $0.offset, metrics: $0.element.metrics) })
    let text = report.render()
    for label in ["popularity", "Markov", "co-occurrence", "seed 4's subset", "NDCG@5 averaged over blocks 1…\(data.numBlocks - 1)"] {
      #expect(text.contains(label), "\(label)")
    }
    let later = try #require(report.ndcg5Later)
    let expected = perBlock.dropFirst().map(\.metrics.cooccurrence.ndcg5).reduce(0, +) / Double(data.numBlocks - 1)
    #expect(abs(later.cooccurrence - expected) < 1e-12)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = try JSONSerialization.jsonObject(with: try encoder.encode(report)) as? [String: Any]
    let blocks = try #require(json?["blocks"] as? [[String: Any]])
    #expect(blocks.count == data.numBlocks)
    #expect(Set(blocks[0].keys) == ["block", "users", "popularity", "markov", "cooccurrence"])
    #expect(json?["eval_users"] as? Int == 50)
  }
}
