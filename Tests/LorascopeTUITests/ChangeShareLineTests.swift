@testable import LorascopeEngine
import Testing

@testable import LorascopeTUI

/// The change-share line under the metrics table (issue 23 item 5; Docs/Math.md §48): the shares
/// of the last stage that measured them, and in words when λ cannot reach most of the change.
@Suite("Change share on the screen")
struct ChangeShareLineTests {
  func render(_ snapshot: DashboardSnapshot, size: TerminalSize, glyphs: GlyphSet = .braille) -> String {
    var buffer = CellBuffer(size: size)
    let state = DashboardState(run: DashboardFixture.run(), lambda: 2, mouseEnabled: true)
    DashboardRenderer.draw(state: state, snapshot: snapshot, into: &buffer, glyphs: glyphs)
    return buffer.text()
  }

  static func snapshot(newEmbeddings: Double) -> DashboardSnapshot {
    var s = DashboardFixture.snapshot()
    // Old blocks do not change; on block 1 LoRA lowers CE by 0.1 and the embeddings by `newEmbeddings`.
    s.stages[1].changeShare = ChangeShare(
      old: .init(start: 2, lora: 2, embeddings: 2, both: 2),
      new: .init(start: 3, lora: 2.9, embeddings: 3 - newEmbeddings, both: 2.9 - newEmbeddings))
    return s
  }

  @Test func mostlyEmbeddingsIsSaidInWords() {
    let wide = render(Self.snapshot(newEmbeddings: 0.3), size: TerminalSize(rows: 50, cols: 160))
    #expect(wide.contains("stage 1 CE change: LoRA 25 % · embeddings+head 75 %: λ cannot reach most of it"))
    let small = render(Self.snapshot(newEmbeddings: 0.3), size: TerminalSize(rows: 24, cols: 80))
    #expect(small.contains("λ cannot reach 75 % of stage 1 (emb.)"))
    let ascii = render(Self.snapshot(newEmbeddings: 0.3), size: TerminalSize(rows: 24, cols: 80), glyphs: .ascii)
    #expect(ascii.unicodeScalars.allSatisfy { $0.isASCII })
  }

  @Test func mostlyLoRAShowsTheSharesAndNothingWithoutThem() {
    let wide = render(Self.snapshot(newEmbeddings: 0.02), size: TerminalSize(rows: 50, cols: 160))
    #expect(wide.contains("stage 1 CE change: LoRA 83 % · embeddings+head 17 % (λ anchors only LoRA)"))
    #expect(!wide.contains("cannot reach"))
    let none = render(DashboardFixture.snapshot(), size: TerminalSize(rows: 50, cols: 160))
    #expect(!none.contains("CE change"))
  }
}
