@testable import LorascopeEngine
import Testing

@testable import LorascopeTUI

/// The data view (`D`): `data check`'s report of the run's data on the screen (issue 24 item 4).
@Suite("The data view")
struct DataViewTests {
  /// The fixture run with the synthetic data's own report.
  static func snapshot() throws -> DashboardSnapshot {
    var s = DashboardFixture.snapshot()
    s.run.dataReport = try SyntheticDrift.generate(SyntheticDriftConfig(seed: SyntheticDriftConfig.defaultSeed)).statistics().render()
    return s
  }

  func render(_ state: DashboardState, _ snapshot: DashboardSnapshot, size: TerminalSize) -> String {
    var buffer = CellBuffer(size: size)
    DashboardRenderer.draw(state: state, snapshot: snapshot, into: &buffer, glyphs: .braille)
    return buffer.text()
  }

  @Test("D opens the view, D or Esc leaves it; a race open before is stopped")
  func keys() throws {
    let snapshot = try Self.snapshot()
    var state = DashboardState(run: snapshot.run, lambda: 2, mouseEnabled: true)
    #expect(state.handle(.char("D"), snapshot: snapshot).isEmpty && state.view == .data)
    _ = state.handle(.char("D"), snapshot: snapshot)
    #expect(state.view == .dashboard)
    _ = state.handle(.char("D"), snapshot: snapshot)
    _ = state.handle(.key(.named(.escape)), snapshot: snapshot)
    #expect(state.view == .dashboard)
    _ = state.handle(.char("v"), snapshot: snapshot)
    #expect(state.handle(.char("D"), snapshot: snapshot) == [.engine(.stopTheory)] && state.view == .data)
  }

  @Test("at 80×24 the codes and the drift are shown first, with a pointer to the whole report; at 200×60 all of it")
  func drawing() throws {
    let snapshot = try Self.snapshot()
    var state = DashboardState(run: snapshot.run, lambda: 2, mouseEnabled: true)
    _ = state.handle(.char("D"), snapshot: snapshot)
    let small = render(state, snapshot, size: TerminalSize(rows: 24, cols: 80))
    #expect(small.contains("Data · synthetic") && small.contains("level a") && small.contains("unseen test targets"))
    #expect(small.contains("the whole report: lorascope data check"))
    let large = render(state, snapshot, size: TerminalSize(rows: 60, cols: 200))
    #expect(large.contains("fingerprint") && large.contains("mean train len") && large.contains("level a"))
    #expect(!large.contains("the whole report"))
  }

  @Test("the paragraphs chosen: by priority, in report order, the first always")
  func fitting() {
    let paragraphs = [["dataset", "b"], ["blocks", "1", "2", "3"], ["codes", "x"], ["drift", "y"]]
    #expect(DataPanel.fitting(paragraphs, height: 100) == [0, 1, 2, 3])
    #expect(DataPanel.fitting(paragraphs, height: 6) == [2, 3])  // 2 + 1 + 2, one line left for the pointer
    #expect(DataPanel.fitting(paragraphs, height: 1) == [2])
  }
}
