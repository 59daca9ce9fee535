import Foundation
import LorascopeEngine
import Testing

@testable import LorascopeTUI

/// The race and the predicted-vs-realized check on the real engine thread (issue 11 items 3–4).
@Suite("EngineController races and checks a real session", .serialized)
struct EngineRaceTests {
  let helper = EngineControllerTests()

  @Test func raceOfEqualLambdasGivesIdenticalCurvesAndTheRunGoesOn() throws {
    let engine = EngineController(session: try EngineControllerTests.session(runDirectory: nil), startRunning: false)
    engine.start()
    // Stage 0 has no anchor: the race says so and does not start.
    engine.send(.startRace([2, 2]))
    var s = helper.waitFor(engine, "the stage-0 refusal") {
      if case .unavailable = $0.race.status { return true } else { return false }
    }
    if case .unavailable(let reason) = s.race.status { #expect(reason.contains("stage 0 has no anchor")) }
    #expect(s.activity == .paused)

    engine.send(.finishStage)
    s = helper.waitFor(engine, seconds: 60, "stage 0 evaluated") { $0.stages.count == 1 && $0.activity == .paused }
    #expect(s.stage == 1)
    let mainStep = s.phase?.step

    engine.send(.startRace([2, 2]))
    s = helper.waitFor(engine, seconds: 120, "the race of stage 1") { $0.race.status == .finished }
    #expect(s.race.stage == 1)
    #expect(s.status.contains("race of stage 1 evaluated"))
    #expect(s.race.lanes.count == 2)
    #expect(s.race.stepsTaken == s.race.totalSteps && s.race.totalSteps > 0)
    let a = s.race.lanes[0], b = s.race.lanes[1]
    // Same λ, same batches, dropout and seeds: the curves agree bit for bit.
    #expect(a.loss.count == s.race.totalSteps)
    #expect(a.loss == b.loss)
    #expect(a.displacementH == b.displacementH && (a.displacementH ?? 0) > 0)
    let result = try #require(s.race.result)
    #expect(result.lanes[0].metric == result.lanes[1].metric)
    #expect(result.differences.count == 2)  // blocks 0 and 1 against the first λ
    #expect(result.differences.allSatisfy { $0.interval.mean == 0 && !$0.interval.excludesZero })
    // The main run did not move meanwhile and is still paused.
    #expect(s.phase?.step == mainStep)
    #expect(s.activity == .paused)
    #expect(s.stages.count == 1)

    // A race left before its end: the main run goes on as it was (running here).
    engine.send(.run)
    engine.send(.startRace([0, 50]))
    s = helper.waitFor(engine, "the second race under way") { $0.race.status == .running && $0.race.stepsTaken >= 1 }
    engine.send(.stopRace)
    s = helper.waitFor(engine, "the race left") { $0.race.status == .cancelled }
    s = helper.waitFor(engine, "the main run going on") { ($0.phase?.step ?? 0) > (mainStep ?? 0) || $0.stages.count > 1 }
    engine.send(.pause)
    #expect(engine.stop(waitingUpTo: 30))
  }

  @Test func predictedVersusRealizedOfTheLastFinishedStage() throws {
    let engine = EngineController(session: try EngineControllerTests.session(runDirectory: nil), startRunning: false)
    engine.start()
    engine.send(.checkTheory)
    var s = helper.waitFor(engine, "the refusal before stage 1") {
      if case .unavailable = $0.theory.status { return true } else { return false }
    }
    engine.send(.stopTheory)
    engine.send(.finishStage)
    s = helper.waitFor(engine, seconds: 60, "stage 0 evaluated") { $0.stages.count == 1 && $0.activity == .paused }
    engine.send(.finishStage)
    s = helper.waitFor(engine, seconds: 60, "stage 1 evaluated") { $0.stages.count == 2 && $0.activity == .paused }
    // The bf16 comparison of stage 1 comes with its end.
    let precision = try #require(s.precision)
    #expect(precision.stage == 1 && precision.rows.count == 56)
    #expect(precision.rows.allSatisfy { $0.exact >= 0 && $0.bf16 >= 0 })

    engine.send(.checkTheory)
    s = helper.waitFor(engine, seconds: 120, "the check of stage 1") {
      $0.theory.status == .finished || { if case .failed = $0.theory.status { return true } else { return false } }($0)
    }
    #expect(s.theory.status == .finished, "\(s.theory.status)")
    #expect(s.theory.stage == 1)
    #expect(s.theory.lambda == 2)
    let check = try #require(s.theory.check)
    #expect(!check.directions.isEmpty)
    #expect(check.lambda == 2)
    #expect(check.displacementRatio.isFinite && check.displacementRatio > 0)
    // The main run stayed where it was.
    #expect(s.stages.count == 2)
    #expect(s.activity == .paused)
    #expect(engine.stop(waitingUpTo: 30))
  }
}
