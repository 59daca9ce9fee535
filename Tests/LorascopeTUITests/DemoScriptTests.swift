import Foundation
import LorascopeEngine
import Testing

@testable import LorascopeTUI

@Suite("Demo script")
struct DemoScriptTests {
  func parse(_ json: String) throws -> DemoScript {
    try Assets.decode(DemoScript.self, from: Data(json.utf8), path: "demo.json")
  }

  /// The message of the error `body` throws, or "" when it does not throw.
  func message(_ body: () throws -> Any) -> String {
    do {
      _ = try body()
      return ""
    } catch {
      return "\(error)"
    }
  }

  @Test func positions() throws {
    #expect(try DemoScript.position("stage 0 backbone start") == .phaseStart(stage: 0, backbone: true))
    #expect(try DemoScript.position("Stage 1 start") == .phaseStart(stage: 1, backbone: false))
    #expect(try DemoScript.position("stage 1 adapter step 10") == .step(stage: 1, backbone: false, step: 10))
    #expect(try DemoScript.position("stage 0 backbone step 3") == .step(stage: 0, backbone: true, step: 3))
    #expect(try DemoScript.position("stage 2 end") == .stageEnd(stage: 2))
    #expect(try DemoScript.position("finished") == .finished)
    for bad in ["stage", "stage x start", "stage 1 step 0", "stage 1 backbone start", "stage 1 middle", "later"] {
      #expect(throws: LorascopeError.self) { try DemoScript.position(bad) }
    }
  }

  @Test func aScriptWithActions() throws {
    let script = try parse(
      """
      {"title": "t", "steps": [
        {"at": "stage 1 start", "say": "drift"},
        {"at": "stage 1 step 40", "lambda": 20, "pause": false, "say": "more stability"},
        {"at": "stage 1 end", "show": "matrix", "spectrum": true, "say": "R"}
      ]}
      """)
    #expect(script.title == "t")
    #expect(script.cues.count == 3)
    #expect(script.cues[0].pause)
    #expect(script.cues[1] == .init(position: .step(stage: 1, backbone: false, step: 40), say: "more stability", pause: false, lambda: 20))
    #expect(script.cues[2].show == .matrix)
    #expect(script.cues[2].recomputeSpectrum)
  }

  @Test func errorsNameTheStepAndTheProblem() {
    let unknown = message { try parse(#"{"steps": [{"at": "stage 1 start", "say": "x", "pasue": true}]}"#) }
    #expect(unknown.contains("demo.json"))
    #expect(unknown.contains("steps[0].pasue"))
    let position = message { try parse(#"{"steps": [{"at": "stage one", "say": "x"}]}"#) }
    #expect(position.contains("steps[0]"))
    #expect(position.contains("'stage one'"))
    let twice = message {
      try parse(#"{"steps": [{"at": "stage 1 end", "say": "a"}, {"at": "stage 1 end", "say": "b"}]}"#)
    }
    #expect(twice.contains("steps 0 and 1 are both at stage 1 end"))
    #expect(message { try parse(#"{"steps": [{"at": "finished", "say": "  "}]}"#) }.contains("say is empty"))
    #expect(message { try parse(#"{"steps": [{"at": "finished", "say": "x", "lambda": -1}]}"#) }.contains("lambda"))
    #expect(message { try parse(#"{"steps": [{"at": "finished", "say": "x", "show": "map"}]}"#) }.contains("'map'"))
    #expect(message { try parse(#"{"steps": [{"say": "x"}]}"#) }.contains("steps[0].at: missing"))
    #expect(message { try parse(#"{"steps": []}"#) }.contains("no steps"))
    #expect(message { try parse("{") }.contains("not valid JSON"))
  }

  @Test func theShippedTourParsesAndCoversTheTeachingMoments() throws {
    let tour = try Assets.demoScript()
    #expect(tour.cues.count >= 8)
    #expect(tour.cues.contains { $0.position == .phaseStart(stage: 1, backbone: false) })  // the drift
    #expect(tour.cues.contains { $0.lambda != nil })  // a change of λ
    #expect(tour.cues.contains { $0.show == .matrix })
    #expect(tour.cues.last?.position == .finished)
  }

  @Test func directorAppliesEachStopOnce() {
    let script = DemoScript(
      title: "t",
      cues: [
        .init(position: .stageEnd(stage: 1), say: "R", show: .matrix, recomputeSpectrum: true),
        .init(position: .finished, say: "bye", pause: false, lambda: 0.5),
      ])
    var director = DemoDirector(script: script)
    var state = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: false)
    var snapshot = DashboardFixture.snapshot()
    #expect(director.observe(snapshot, state: &state, now: 0).isEmpty)  // no stop yet
    snapshot.cue = CueStop(index: 0, serial: 1)
    #expect(
      director.observe(snapshot, state: &state, now: 0)
        == [.engine(.spectrum(SpectrumRequest(selection: .module(0), fisher: .empirical, fresh: true)))])
    #expect(state.showMatrix)
    #expect(state.caption == DemoCaption(text: "R", index: 1, total: 2, waiting: true))
    #expect(director.observe(snapshot, state: &state, now: 0).isEmpty)
    #expect(director.continueTour(state: &state) == [.engine(.run)])
    #expect(state.caption == nil)
    snapshot.cue = CueStop(index: 1, serial: 2)
    #expect(director.observe(snapshot, state: &state, now: 0) == [.engine(.setLambda(0.5)), .engine(.run)])
    #expect(state.lambda == 0.5)
    #expect(!director.tick(state: &state, now: 1_000_000_000))  // still being read
    #expect(director.tick(state: &state, now: 9_000_000_000))
    #expect(state.caption == nil)
  }
}
