import Foundation
import Testing

@testable import LorascopeEngine

/// The λ race (Docs/Statistics.md, "The λ race"): lanes differ only in λ.
@Suite("λ race")
struct StageRaceTests {
  /// A session of the small pipeline model with stage 0 finished (stage 1 can race).
  static func sessionAfterStageZero(
    method: ContinualMethod = .peso, precision: PenaltyPrecision? = nil
  ) throws -> ContinualSession {
    let data = try ContinualPipelineTests.dataset(drift: 1)
    var config = ContinualPipelineTests.config(data, method: method)
    config.adapter.epochs = 1
    config.penaltyPrecision = precision
    let session = try ContinualSession(config: config, dataset: data, backboneCache: ContinualPipelineTests.tempDir())
    while session.stage < 1 { _ = try session.advance() }
    return session
  }

  @Test("two equal λ give identical curves bit for bit, equal displacements and a zero difference")
  func equalLambdasAreIdentical() throws {
    let session = try Self.sessionAfterStageZero()
    let race = try StageRace(session: session, stage: 1, lambdas: [50, 50])
    let result = try race.run()
    #expect(race.stepsTaken == race.totalSteps && race.totalSteps > 0)
    #expect(race.lanes[0].records == race.lanes[1].records)
    #expect(result.lanes[0].displacementH == result.lanes[1].displacementH)
    #expect(result.lanes[0].displacementH > 0)
    #expect(result.lanes[0].metric == result.lanes[1].metric)
    #expect(result.differences.count == 2)  // blocks 0 and 1
    for d in result.differences {
      #expect(d.interval.lower == 0 && d.interval.upper == 0)
      #expect(d.interval.verdict == "no effect measured")
    }
  }

  @Test("the race compares the metric it is asked for (race --metric), and says which")
  func raceHonoursItsMetric() throws {
    let session = try Self.sessionAfterStageZero()
    let race = try StageRace(session: session, stage: 1, lambdas: [0, 50])
    let result = try race.run(metric: .hit10)
    #expect(result.metricName == .hit10)
    let encoded = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
    #expect(encoded.contains(#""metric":"hit10""#), "\(encoded.prefix(200))")
    // The lanes' metric is Hit@10, not NDCG@5 relabelled: Hit@10 ≥ NDCG@5 on every block, and
    // strictly greater somewhere unless both are zero.
    for lane in result.lanes {
      #expect(zip(lane.metric, lane.ndcg5).allSatisfy { $0 >= $1 })
    }
  }

  @Test("a stiff λ holds the adapter near the anchor; λ = 0 moves it; the race equals retraining")
  func aStiffLambdaMovesLess() throws {
    let session = try Self.sessionAfterStageZero()
    let race = try StageRace(session: session, stage: 1, lambdas: [0, 1e7])
    let result = try race.run()
    let free = result.lanes[0]
    let stiff = result.lanes[1]
    #expect(stiff.displacementH < 0.5 * free.displacementH, "free \(free.displacementH), stiff \(stiff.displacementH)")
    #expect(stiff.displacementFrobenius < free.displacementFrobenius)
    // The λ = 0 lane is the same computation as retraining the stage with λ = 0.
    let retrained = try session.retrainStage(1, lambda: 0)
    let laneAdapter = try #require(race.lanes[0].trainer.model.lora)
    #expect(laneAdapter.array == retrained.array)
    // The JSON a script reads.
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any]
    let lanes = try #require(json?["lanes"] as? [[String: Any]])
    #expect(lanes[1]["lambda"] as? Double == 1e7)
    #expect(lanes[1]["displacement_h"] is Double)
    #expect((lanes[1]["ndcg5"] as? [Double])?.count == 2)
    let differences = try #require(json?["differences"] as? [[String: Any]])
    #expect((differences[0]["ci95"] as? [Double])?.count == 2)
  }

  @Test("a race needs 2–4 λ values and an adapter to fork")
  func badRaces() throws {
    let session = try Self.sessionAfterStageZero()
    #expect(throws: LorascopeError.self) { try StageRace(session: session, stage: 1, lambdas: [1]) }
    #expect(throws: LorascopeError.self) { try StageRace(session: session, stage: 1, lambdas: [1, 2, 3, 4, 5]) }
    #expect(throws: LorascopeError.self) { try StageRace(session: session, stage: 1, lambdas: [1, .nan]) }
    #expect(throws: LorascopeError.self) { try StageRace(session: session, stage: 0, lambdas: [1, 2]) }
    let cumulative = try Self.sessionAfterStageZero(method: .cumulativeLatest)
    #expect(throws: LorascopeError.self) { try StageRace(session: cumulative, stage: 1, lambdas: [1, 2]) }
  }

  @Test("a bf16 run races, retrains and trains its stage with the same bf16 penalty, bit for bit")
  func bf16RaceIsTheRunsStage() throws {
    let lambda = 5e4
    let bf16 = try Self.sessionAfterStageZero(precision: .bf16)
    let race = try StageRace(session: bf16, stage: 1, lambdas: [lambda, 0])
    _ = try race.run()
    let lane = try #require(race.lanes[0].trainer.model.lora)
    #expect(lane.array == (try bf16.retrainStage(1, lambda: lambda)).array)
    // The run's own stage 1 at the same λ (the session trains from where the race forked).
    try bf16.setLambda(lambda)
    try bf16.finishCurrentStage()
    #expect(lane.array == (try bf16.model(afterStage: 1).lora?.array))
    // And the precision matters at this λ: the exact penalty trains other bits.
    let exact = try Self.sessionAfterStageZero()
    #expect(lane.array != (try exact.retrainStage(1, lambda: lambda)).array)
  }
}
