import Dispatch
import Testing

@testable import LorascopeTUI

@Suite("Key table text and frame time")
struct KeyTableAndTimingTests {
  @Test func theDocumentedTableIsTheDispatchTable() {
    let text = KeyMap.standard.textTable(context: .main)
    let lines = text.split(separator: "\n")
    #expect(lines.count == KeyMap.standard.bindings(for: .main).count)
    #expect(lines.first == "Space     run / pause training")
    #expect(text.contains("+, =      raise λ (next step)"))
    #expect(KeyMap.standard.textTable(context: .main, unicode: false).unicodeScalars.allSatisfy { $0.isASCII })
    let markdown = KeyMap.standard.markdownTable()
    #expect(markdown.contains("| Main screen | |"))
    #expect(markdown.contains("| `+` `=` | raise λ (next step) |"))
    #expect(markdown.contains("| `Esc` `?` `q` `F1` | close the help |"))
    for binding in KeyMap.standard.bindings {
      #expect(markdown.contains(binding.description), "\(binding.action)")
    }
  }

  /// Docs/Design.md §7 budget: a whole frame at 200×60 well under 2 ms in a release
  /// build. Debug builds are ~10× slower, so the bound here only catches a
  /// frame gone quadratic; the release figure is printed for the report.
  @Test func aFullFrameAt200x60IsCheap() {
    let snapshot = DashboardFixture.snapshot(steps: 5000)
    let state = DashboardState(run: snapshot.run, lambda: 2, mouseEnabled: true)
    var buffer = CellBuffer(size: TerminalSize(rows: 60, cols: 200))
    DashboardRenderer.draw(state: state, snapshot: snapshot, into: &buffer, glyphs: .braille)  // warm up
    let frames = 50
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<frames {
      DashboardRenderer.draw(state: state, snapshot: snapshot, into: &buffer, glyphs: .braille)
    }
    let perFrame = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(frames) / 1e6
    print("dashboard frame at 200x60: \(NumberFormat.fixed(perFrame, decimals: 3)) ms")
    #expect(perFrame < 40)
  }
}
