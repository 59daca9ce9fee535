import Testing

@testable import LorascopeTUI

@Suite("Full frame and GridScreen")
struct FullFrameTests {
  @Test(arguments: [
    TerminalSize(rows: 24, cols: 80), TerminalSize(rows: 60, cols: 200), TerminalSize(rows: 24, cols: 70),
  ])
  func everyPanelDrawsInsideItsBox(size: TerminalSize) {
    for glyphs in [GlyphSet.braille, .block, .ascii] {
      var buffer = CellBuffer(size: size)
      let layout = FrameFixture().draw(into: &buffer, glyphs: glyphs)
      let text = buffer.text()
      #expect(text.contains("Loss"))
      #expect(layout.rect(for: .spectrum) == nil || text.contains(glyphs.text("Spectrum ρ_k")))
      #expect(layout.rect(for: .metrics) == nil || text.contains("NDCG@5"))
      #expect(text.contains("? help"))
      // Box corners stay where the layout put them: nothing drew over a border.
      for (panel, rect) in layout.panels where panel != .keyBar {
        #expect(buffer.character(row: rect.row, col: rect.col) == String(glyphs.topLeft), "\(panel)")
        #expect(buffer.character(row: rect.bottom - 1, col: rect.right - 1) == String(glyphs.bottomRight), "\(panel)")
      }
      if glyphs.mode == .ascii {
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
      }
    }
  }

  @Test func tooSmallFrame() {
    var buffer = CellBuffer(size: TerminalSize(rows: 20, cols: 60))
    let layout = FrameFixture().draw(into: &buffer, glyphs: .braille)
    #expect(layout.isTooSmall)
    #expect(buffer.text().contains("lorascope needs 64×20, terminal is 60×20"))
  }

  @Test func gridScreenFramesEventsAndResize() {
    let screen = GridScreen(size: TerminalSize(rows: 24, cols: 80))
    screen.beginFrame()
    var canvas = screen
    FrameFixture().draw(into: &canvas, glyphs: screen.glyphs)
    #expect(!screen.visible.text().contains("Loss"))  // nothing shows before flush
    screen.flush()
    #expect(screen.flushCount == 1)
    #expect(screen.visible.text().contains("Loss"))
    screen.repaintAll()
    #expect(screen.repaintCount == 1)

    screen.enqueue(.char("n"))
    screen.enqueue(.mouse(MouseEvent(kind: .click, row: 1, col: 1)))  // dropped: mouse is off
    screen.mouseEnabled = true
    screen.enqueue(.mouse(MouseEvent(kind: .wheelDown, row: 1, col: 1)))
    screen.resize(to: TerminalSize(rows: 20, cols: 60))
    #expect(screen.nextEvent(timeoutMS: 0) == .char("n"))
    #expect(screen.nextEvent(timeoutMS: 0) == .mouse(MouseEvent(kind: .wheelDown, row: 1, col: 1)))
    #expect(screen.nextEvent(timeoutMS: 0) == .resize(TerminalSize(rows: 20, cols: 60)))
    #expect(screen.nextEvent(timeoutMS: 0) == nil)
    #expect(screen.size == TerminalSize(rows: 20, cols: 60))
    screen.frame { FrameFixture().draw(into: &$0, glyphs: .braille) }
    #expect(screen.flushCount == 2)
    #expect(screen.visible.text().contains("terminal is 60×20"))
  }

  @Test func helpOverlayCoversTheFrame() {
    var fixture = FrameFixture()
    fixture.showHelp = true
    var buffer = CellBuffer(size: TerminalSize(rows: 24, cols: 80))
    fixture.draw(into: &buffer, glyphs: .braille)
    #expect(buffer.text().contains("run / pause training"))
    #expect(buffer.text().contains("page 1/"))
  }
}
