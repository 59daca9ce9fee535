import Foundation
import Testing

@testable import LorascopeEngine

/// The code-frequency baseline (Docs/Math.md §43) against a hand computation, its bound, and the
/// "learned little" verdict it drives.
@Suite("Code-frequency baseline")
struct CodeFrequencyBaselineTests {
  @Test("equals the add-one-smoothed level frequencies computed by hand")
  func handComputed() throws {
    // Two levels, codes 0…2 (K = 3). Items: 0 = (0, 1), 1 = (0, 2), 2 = (2, 1).
    let items = try ItemIndex(itemIDs: ["a", "b", "c"], codes: [[0, 1], [0, 2], [2, 1]])
    #expect(items.codebookSize == 3)
    // Training targets: items 0, 0, 1 (item 2 is context only).
    let train = [TrainingSequence(userIndex: 0, items: [2, 0, 0, 1], firstTarget: 1)]
    let valid = [EvaluationExample(userIndex: 0, history: [0], target: 2)]
    // Level 0 counts (+1): code 0: 3+1, code 1: 1, code 2: 1 → total 6; target code 2: 1/6.
    // Level 1 counts (+1): code 0: 1, code 1: 2+1, code 2: 1+1 → total 6; target code 1: 3/6.
    let expected = -(log(1.0 / 6) + log(3.0 / 6)) / 2
    #expect(abs(CodeFrequencyBaseline.crossEntropy(train: train, valid: valid, items: items) - expected) < 1e-12)
  }

  @Test("on the synthetic data it stays below log K, and a stage near it is flagged as having learned little")
  func boundAndVerdict() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    let split = try data.split(block: 0, maxHistory: 20)
    let baseline = CodeFrequencyBaseline.crossEntropy(train: split.train, valid: split.valid, items: data.items)
    #expect(baseline > 0 && baseline < log(Double(data.items.codebookSize)) + 1e-9)
    let metrics = RankingMetrics(hit5: 0, hit10: 0, ndcg5: 0, ndcg10: 0, mrr: 0, count: 1)
    var stage = StageMetrics(
      stage: 0, own: metrics, perBlock: [metrics], validationCE: 0.99 * baseline, trainSteps: 1, trainSeconds: 0,
      evaluationSeconds: 0, finalCE: nil, finalPenalty: nil, penaltyGradientRatio: nil, penaltyNats: nil)
    #expect(!stage.learnedLittle, "no baseline recorded: no verdict")
    stage.baselineCE = baseline
    #expect(stage.learnedLittle)
    stage.validationCE = 0.6 * baseline
    #expect(!stage.learnedLittle)
  }
}
