import Foundation
import Testing

@testable import LorascopeEngine
@testable import LorascopeTUI
@testable import lorascope

/// Finished runs side by side (`tui --run-dir A --compare B`, issue 28 item 2), on two tiny
/// runs of one seed: the paired differences against the pinned reference and the keys.
@Suite("Runs side by side", .serialized)
struct CompareScreenTests {
  /// Two finished tiny runs of seed 0: `single` and PESO at a large λ.
  static func twoRuns() throws -> [RunRecord] {
    let root = SweepPlanTests.tempDir()
    let sweep = try SweepCommand.parse(
      SweepPlanTests.tinyArguments(cache: root.appendingPathComponent("cache"))
        + ["--methods", "peso", "--lambdas", "1e4", "--seeds", "0", "--run-dir", root.path])
    _ = try sweep.grid.runInProcess(
      try sweep.grid.jobs { [] }, dataset: try sweep.grid.options.loadDataset(), progress: ProgressReporter(quiet: true))
    return try [root.appendingPathComponent("single/seed_0"), root.appendingPathComponent("peso/lambda_10000.0/seed_0")]
      .map { try RunRecord.read($0) }
  }

  @Test("differences are run − reference cell by cell, with intervals over the shared users; p, g, Tab, q")
  func compareTwoRuns() throws {
    let runs = try Self.twoRuns()
    #expect(runs.map(\.label) == ["single seed 0", "peso λ=10000 seed 0"])
    let comparison = try RunComparison(
      run: runs[1].metrics, runRanks: runs[1].ranks, reference: runs[0].metrics, referenceRanks: runs[0].ranks)
    #expect(comparison.cells.count == 15)  // 5 stages, j ≤ t
    for cell in comparison.cells {
      let expected = runs[1].metrics.stages[cell.stage].perBlock[cell.block].ndcg5 - runs[0].metrics.stages[cell.stage].perBlock[cell.block].ndcg5
      #expect(abs(cell.difference - expected) < 1e-12)
      let interval = try #require(cell.interval, "same seed, same users: an interval")
      #expect(interval.lower <= cell.difference + 1e-12 && cell.difference - 1e-12 <= interval.upper)
    }

    var screen = CompareScreen(runs: runs)
    for size in [TerminalSize(rows: 24, cols: 80), TerminalSize(rows: 45, cols: 160)] {
      var buffer = CellBuffer(size: size)
      screen.draw(into: &buffer, glyphs: .braille)
      let text = buffer.text()
      #expect(text.contains("2 runs side by side") && text.contains("B−A [95 %]") && text.contains("R[t][j] NDCG@5: B − A"), "\(size)")
      #expect(text.contains("min ") && text.contains("last "), "\(size): min / max / last per curve")
    }
    #expect(screen.stage == 4)
    _ = screen.handle(.character("g"))
    #expect(screen.stage == 0)
    _ = screen.handle(.character("G"))
    #expect(screen.stage == 4)
    _ = screen.handle(.character("p"))
    #expect(screen.reference == 1 && screen.selected == 0)
    var buffer = CellBuffer(size: TerminalSize(rows: 45, cols: 160))
    screen.draw(into: &buffer, glyphs: .braille)
    #expect(buffer.text().contains("A−B [95 %]") && buffer.text().contains("reference: B"))
    let keepsOpen = screen.handle(.character("q"))
    #expect(!keepsOpen)
  }

  @Test("a directory that is not a finished run is named before the screen opens")
  func notARun() throws {
    let empty = SweepPlanTests.tempDir()
    #expect { _ = try RunRecord.read(empty) } throws: { "\($0)".contains(empty.path) }
  }

  @Test("a finished study read back: every arm with its intervals, the frontier, the findings; Enter opens an arm beside single")
  func studyScreen() throws {
    let out = SweepPlanTests.tempDir()
    try StudyCommand.parse(
      SweepPlanTests.tinyArguments(cache: SweepPlanTests.tempDir())
        + ["--out", out.path, "--methods", "peso", "--peso-lambdas", "1e4", "--seeds", "0,1"]).run()
    let study = try StudyRecord.read(out)
    #expect(study.arms.map(\.method) == [.frozen, .peso, .single] && study.dataset == "synthetic")
    var screen = StudyScreen(study: study)
    var buffer = CellBuffer(size: TerminalSize(rows: 40, cols: 160))
    screen.draw(into: &buffer, glyphs: .braille)
    let text = buffer.text()
    #expect(text.contains("study of synthetic"), "\(text)")
    #expect(text.contains("b peso λ=") && text.contains("frontier"), "\(text)")
    #expect(text.contains(study.findings.adaptation.prefix(20)))
    #expect(screen.handle(.named(.down)) == .stay && screen.selected == 1)
    #expect(screen.handle(.named(.enter)) == .open(1))
    let runs = try TuiCommand.studyRuns(of: study.arms[1], root: out.appendingPathComponent("runs").path)
    #expect(runs.map(\.label) == ["single seed 0", "peso λ=10000 seed 0"])
    #expect(screen.handle(.character("q")) == .quit)
    #expect { _ = try StudyRecord.read(SweepPlanTests.tempDir()) } throws: { "\($0)".contains("sweep.json") }
  }
}
