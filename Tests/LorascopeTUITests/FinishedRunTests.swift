import Foundation
import Testing

@testable import LorascopeEngine
@testable import LorascopeTUI

/// A finished run on the screen (issue 28 item 1): `g`/`G` walk the finished stages, the panels
/// name the stage they show, a read-only run's key bar offers no training, and the real engine
/// on a read-only run directory draws each stage from log.jsonl and the saved stages without
/// writing a byte.
@Suite("A finished run, stage by stage")
struct FinishedRunTests {
  /// The fixture as a finished read-only run of three finished stages, showing `shown`.
  static func finished(shown: Int?) -> DashboardSnapshot {
    var s = DashboardFixture.snapshot()
    s.stages.append(
      StageMetrics(
        stage: 2, own: DashboardFixture.ranking(0.03), perBlock: (0...2).map { _ in DashboardFixture.ranking(0.03) },
        validationCE: 1.3, trainSteps: 36, trainSeconds: 2, evaluationSeconds: 1, finalCE: 1.2, finalPenalty: 1e-4))
    s.phase = nil
    s.activity = .finished
    s.readOnly = true
    s.shownStage = shown
    s.lambdaHistory = [LambdaSetting(stage: 0, step: 0, lambda: 2), LambdaSetting(stage: 1, step: 5, lambda: 8)]
    return s
  }

  @Test func gWalksTheFinishedStagesAndWraps() {
    var state = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: true)
    #expect(state.handle(.char("g"), snapshot: Self.finished(shown: 2)) == [.engine(.showStage(0))])
    #expect(state.handle(.char("g"), snapshot: Self.finished(shown: 0)) == [.engine(.showStage(1))])
    #expect(state.handle(.char("G"), snapshot: Self.finished(shown: 1)) == [.engine(.showStage(0))])
    #expect(state.handle(.char("G"), snapshot: Self.finished(shown: 0)) == [.engine(.showStage(2))])
    // Nothing shown yet: the next stage after the last finished one.
    var fresh = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: true)
    #expect(fresh.handle(.char("g"), snapshot: Self.finished(shown: nil)) == [.engine(.showStage(0))])
  }

  /// g pressed twice before the engine's snapshot follows walks two stages, not the same one twice.
  @Test func gTwiceFastWalksTwoStages() {
    var state = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: true)
    let lagging = Self.finished(shown: 2)
    #expect(state.handle(.char("g"), snapshot: lagging) == [.engine(.showStage(0))])
    #expect(state.handle(.char("g"), snapshot: lagging) == [.engine(.showStage(1))])
  }

  @Test func aLiveRunKeepsItsPanelsOnTheStageItTrains() {
    var state = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: true)
    #expect(state.handle(.char("g"), snapshot: DashboardFixture.snapshot()).isEmpty)
    #expect(state.notice == "stages can be browsed once the run is finished")
  }

  @Test func theStageKeysAreOneRowOfTheTableThatDispatches() {
    let map = KeyMap.standard
    #expect(map.action(for: .char("g"), context: .main) == .stageNext)
    #expect(map.action(for: .char("G"), context: .main) == .stagePrev)
    #expect(map.textTable(context: .main).contains("next finished stage: its loss, P_g, spectrum"))
    #expect(map.conflicts().isEmpty)
  }

  @Test func lambdaColumnSaysEveryLambdaOfTheStage() {
    let history = [
      LambdaSetting(stage: 0, step: 0, lambda: 2), LambdaSetting(stage: 2, step: 0, lambda: 5),
      LambdaSetting(stage: 2, step: 7, lambda: 50),
    ]
    #expect(MetricsPanel.lambdaText(stage: 0, history: history) == "2")
    #expect(MetricsPanel.lambdaText(stage: 1, history: history) == "2")
    #expect(MetricsPanel.lambdaText(stage: 2, history: history) == "5→50")
    #expect(MetricsPanel.lambdaText(stage: 3, history: history) == "50")
  }

  @Test func at80x24ThePanelsNameTheShownStageAndTheBarOffersNoTraining() {
    let state = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: true)
    var buffer = CellBuffer(size: TerminalSize(rows: 24, cols: 80))
    DashboardRenderer.draw(state: state, snapshot: Self.finished(shown: 1), into: &buffer, glyphs: .braille)
    let text = buffer.text()
    #expect(text.contains("stage 1 · g"))
    #expect(text.contains("P_g, stage 1 end"))
    #expect(text.contains("stage 2 · L0 q.A"))  // the spectrum drawn is stage 2's, and says so
    #expect(text.contains("step of the stage"))
    #expect(text.contains(">1"))
    #expect(text.contains("g stages"))
    #expect(text.contains("read-only"))
    #expect(!text.contains("run/pause"))
    // While a run trains, the bar keeps its training keys and leaves g out.
    var live = CellBuffer(size: TerminalSize(rows: 24, cols: 80))
    DashboardRenderer.draw(state: state, snapshot: DashboardFixture.snapshot(), into: &live, glyphs: .braille)
    #expect(live.text().contains("run/pause"))
    #expect(!live.text().contains("g stages"))
  }

  @Test func theLambdaColumnAppearsOnceLambdaChanged() {
    let state = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: true)
    var changed = Self.finished(shown: 1)
    #expect(MetricsPanel(state: state, snapshot: changed).stageTable().columns.map(\.title).contains("λ"))
    changed.lambdaHistory = [LambdaSetting(stage: 0, step: 0, lambda: 2)]
    #expect(!MetricsPanel(state: state, snapshot: changed).stageTable().columns.map(\.title).contains("λ"))
  }
}

extension EngineControllerTests {
  /// Every file under `directory` with its bytes.
  static func files(under directory: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
    while let url = enumerator?.nextObject() as? URL {
      guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
      result[url.path] = try Data(contentsOf: url)
    }
    return result
  }

  @Test func aFinishedRunOpenedReadOnlyShowsEachStageAndWritesNothing() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-tui-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let trained = try Self.session(runDirectory: try RunDirectory(url: directory))
    _ = try trained.run()
    try trained.flush()
    let before = try Self.files(under: directory)
    #expect(before.keys.contains { $0.hasSuffix("log.jsonl") })

    let dir = try RunDirectory.openForInspection(directory)
    let logs = try StageLog.read(from: dir)
    #expect(logs.map(\.stage) == [0, 1, 2])
    #expect(logs[0].finalModulePenalty.isEmpty)  // stage 0 has no anchor
    #expect(logs[1].finalModulePenalty.count == 56)
    #expect(logs[1].finalModulePenalty == logs[1].steps.last?.modulePenalty)

    let session = try ContinualSession(config: trained.config, dataset: trained.dataset, runDirectory: dir)
    let engine = EngineController(session: session, startRunning: true)
    engine.start()
    // It opens on the last stage, with that stage's adapter steps and its spectrum.
    var s = waitFor(engine, seconds: 120, "stage 2's spectrum") { $0.spectrum.result?.stage == 2 && $0.spectrum.status == .ready }
    #expect(s.readOnly && s.activity == .finished && s.shownStage == 2)
    #expect(s.adapterLoss.count == logs[2].steps(of: .adapter).count)
    #expect(s.modulePenalty == logs[2].finalModulePenalty)
    engine.send(.showStage(1))
    s = waitFor(engine, seconds: 120, "stage 1's spectrum") { $0.spectrum.result?.stage == 1 && $0.spectrum.status == .ready }
    #expect(s.shownStage == 1)
    #expect(s.adapterLoss.latest?.ce == logs[1].steps(of: .adapter).last?.ce)
    #expect(s.modulePenalty == logs[1].finalModulePenalty)
    engine.send(.showStage(0))
    s = waitFor(engine, "stage 0") { $0.shownStage == 0 }
    #expect(s.spectrum.result == nil)
    #expect(s.modulePenalty.isEmpty)
    // Training and λ are refused, not attempted: nothing may be written.
    engine.send(.toggleRun)
    engine.send(.setLambda(50))
    s = waitFor(engine, "λ refused") { $0.status.hasPrefix("read-only: λ") }
    #expect(s.strength.lambda == 2)
    #expect(s.error == nil)
    #expect(engine.stop(waitingUpTo: 30))
    #expect(try Self.files(under: directory) == before)
  }
}
