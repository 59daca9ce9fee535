import Foundation
import Testing

@testable import LorascopeEngine

/// Backbone pretraining keeps its best epoch (Docs/Design.md §2, "Backbone pretraining").
@Suite("Backbone best epoch")
struct BackboneSelectionTests {
  @Test("the best epoch is kept, its weights restored, and pretraining stops after two epochs without a new best")
  func selection() {
    var s = BackboneSelection()
    var snapshots: [FloatBuffer] = []
    func weights(_ v: Float) -> () -> FloatBuffer {
      { let b = FloatBuffer(count: 2); b[0] = v; b[1] = v; snapshots.append(b); return b }
    }
    var stops: [Bool] = []
    for (ce, v) in [(3.0, 1), (2.5, 2), (2.6, 3), (2.7, 4)] { stops.append(s.record(ce, weights: weights(Float(v)))) }
    #expect(stops == [false, false, false, true], "one epoch without a new best is not yet a stop; two are")
    #expect(snapshots.count == 2, "weights are read only for a new best")
    #expect(s.bestEpoch == 2 && s.mustRestore && s.bestWeights?[0] == 2)
    #expect(s.validationCE == [3.0, 2.5, 2.6, 2.7])
    var falling = BackboneSelection()
    var fallingStops: [Bool] = []
    for ce in [3.0, 2.0, 1.5] { fallingStops.append(falling.record(ce, weights: weights(Float(ce)))) }
    #expect(fallingStops == [false, false, false])
    #expect(falling.bestEpoch == 3 && !falling.mustRestore, "a still-falling CE keeps the last epoch: the fixed schedule's result")
  }

  @Test("a session records the validation CE of every epoch, and the backbone it keeps scores the best of them")
  func sessionKeepsBest() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    var config = ContinualPipelineTests.config(data, method: .single)
    config.backbone.epochs = 3
    config.adapter.epochs = 0.5
    let session = try ContinualSession(config: config, dataset: data)
    var epochEvents: [(Int, Double, Int)] = []
    try session.finishCurrentStage {
      if case .backboneEpoch(let e, let ce, let best) = $0 { epochEvents.append((e, ce, best)) }
    }
    let curve = try #require(session.metrics.backboneValidationCE)
    let best = try #require(session.metrics.backboneBestEpoch)
    #expect(curve.count == epochEvents.count && (1...3).contains(curve.count))
    #expect(epochEvents.map(\.0) == Array(1...curve.count))
    #expect(curve[best - 1] == curve.min())
    let backbone = try session.baseModel(stage: 0, embeddingsOfStage: -1)
    let rescored = try session.evaluator.validationCrossEntropy(
      model: backbone, examples: BackboneSelection.examples(session.splits[0].valid))
    #expect(abs(rescored - curve[best - 1]) < 1e-9)
  }

  @Test("at most 4096 evenly spaced validation examples are scored")
  func subset() {
    let many = (0..<10_000).map { EvaluationExample(userIndex: $0, history: [], target: 0) }
    let chosen = BackboneSelection.examples(many)
    #expect(chosen.count == 4096 && chosen.first?.userIndex == 0 && chosen.last!.userIndex > 9_990)
    #expect(BackboneSelection.examples(Array(many.prefix(10))).count == 10)
  }
}
