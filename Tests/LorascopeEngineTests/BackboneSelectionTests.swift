import Foundation
import Testing

@testable import LorascopeEngine

/// Backbone pretraining keeps its best epoch (Docs/Design.md §2, "Backbone pretraining").
@Suite("Backbone best epoch")
struct BackboneSelectionTests {
  @Test("clear overfitting stops pretraining and restores the best epoch; noise-level rises keep the last epoch")
  func selection() {
    var snapshots: [FloatBuffer] = []
    func weights(_ v: Float) -> () -> FloatBuffer {
      { let b = FloatBuffer(count: 2); b[0] = v; b[1] = v; snapshots.append(b); return b }
    }
    var s = BackboneSelection()
    var stops: [Bool] = []
    for (ce, v) in [(3.0, 1), (2.5, 2), (2.6, 3), (2.7, 4)] { stops.append(s.record(ce, weights: weights(Float(v)))) }
    #expect(stops == [false, false, false, true], "one epoch above the best is not yet a stop; two are")
    #expect(snapshots.count == 2, "weights are read only for a new best")
    #expect(s.bestEpoch == 2 && s.mustRestore && s.bestWeights?[0] == 2)
    #expect(s.validationCE == [3.0, 2.5, 2.6, 2.7])

    // Video_Games seed 0: the last epoch is 0.1 % above the one before; the last is kept.
    var noise = BackboneSelection()
    var noiseStops: [Bool] = []
    for ce in [4.2335, 3.6975, 3.3398, 3.1306, 3.0338, 3.0374] { noiseStops.append(noise.record(ce, weights: weights(0))) }
    #expect(noiseStops.allSatisfy { !$0 })
    #expect(noise.bestEpoch == 5 && !noise.mustRestore)

    // Two rises within the tolerance do not stop pretraining either.
    var flat = BackboneSelection()
    var flatStops: [Bool] = []
    for ce in [3.0, 3.02, 3.025] { flatStops.append(flat.record(ce, weights: weights(0))) }
    #expect(flatStops == [false, false, false] && !flat.mustRestore)
  }

  @Test("a session records the validation CE of every epoch, and the backbone it keeps scores what the rule says")
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
    // The backbone kept is the last epoch's, or the best one's when the last ended clearly above it.
    let last = try #require(curve.last)
    let kept = last > curve[best - 1] * (1 + BackboneSelection.tolerance) ? curve[best - 1] : last
    #expect(abs(rescored - kept) < 1e-9)
  }

  @Test("at most 4096 evenly spaced validation examples are scored")
  func subset() {
    let many = (0..<10_000).map { EvaluationExample(userIndex: $0, history: [], target: 0) }
    let chosen = BackboneSelection.examples(many)
    #expect(chosen.count == 4096 && chosen.first?.userIndex == 0 && chosen.last!.userIndex > 9_990)
    #expect(BackboneSelection.examples(Array(many.prefix(10))).count == 10)
  }
}
