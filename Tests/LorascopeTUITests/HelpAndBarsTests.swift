import Testing

@testable import LorascopeTUI

@Suite("Help overlay, key bar, too-small notice")
struct HelpAndBarsTests {
  /// Every page of the overlay on a screen, as text.
  func pages(_ screen: TerminalSize, glyphs: GlyphSet) -> [String] {
    let count = HelpOverlay().pageCount(screen: screen, glyphs: glyphs)
    return (0..<count).map { page in
      render(rows: screen.rows, cols: screen.cols) { b, _ in
        HelpOverlay(page: page).draw(into: &b, screen: screen, glyphs: glyphs)
      }.text()
    }
  }

  @Test(arguments: [GlyphSet.braille, .ascii])
  func everyKeyOfTheTableAppears(glyphs: GlyphSet) {
    for screen in [TerminalSize(rows: 60, cols: 120), TerminalSize(rows: 14, cols: 70)] {
      let text = pages(screen, glyphs: glyphs).joined(separator: "\n")
      // The training screen's contexts; the inspect screen's have their own (InspectScreenTests).
      for binding in KeyMap.standard.bindings where binding.contexts.contains(where: KeyContext.dashboard.contains) {
        #expect(text.contains(binding.keysLabel(unicode: glyphs.unicode)), "\(binding.action) at \(screen)")
        #expect(text.contains(glyphs.text(binding.description)), "\(binding.action) at \(screen)")
      }
    }
  }

  @Test func oneScreenWhenTallPagedWhenShort() {
    let tall = pages(TerminalSize(rows: 60, cols: 120), glyphs: .braille)
    #expect(tall.count == 1)
    #expect(!tall[0].contains("page 1/"))
    let short = pages(TerminalSize(rows: 14, cols: 70), glyphs: .braille)
    #expect(short.count > 1)
    #expect(short[0].contains("page 1/\(short.count)"))
    #expect(short[short.count - 1].contains("page \(short.count)/\(short.count)"))
    // Past the last page the overlay stays on the last page.
    let beyond = render(rows: 14, cols: 70) { b, _ in
      HelpOverlay(page: 99).draw(into: &b, screen: TerminalSize(rows: 14, cols: 70), glyphs: .braille)
    }
    #expect(beyond.text() == short[short.count - 1])
  }

  @Test func shortGolden() {
    let b = render(rows: 12, cols: 60) { b, _ in
      HelpOverlay().draw(into: &b, screen: TerminalSize(rows: 12, cols: 60), glyphs: .braille)
    }
    #expect(
      b.text() == """

         ┌─ Keys ────────────────────────────────────── page 1/7 ─┐
         │ Main screen                                            │
         │ Space     run / pause training                         │
         │ n         one optimizer step                           │
         │ s         finish the current stage                     │
         │ +, =      raise λ (next step)                          │
         │ -         lower λ (next step)                          │
         │ L         type an exact λ                              │
         │ ? close  ↓/↑ page  ^C quit                             │
         └────────────────────────────────────────────────────────┘

        """)
  }

  @Test func keyBarGoldenAndTruncation() {
    let full = render(rows: 1, cols: 80) { b, area in
      KeyBar(status: "paused").draw(into: &b, rect: area, glyphs: .braille)
    }
    #expect(full.text() == "Space run/pause  n step  +/- λ  ←/→ module  e spectrum  ? help  q quit    paused")
    #expect(
      full.styleText() == "aaaaa............a.......aaa....aaa.........a...........a.......a.........dddddd")
    // Short: lower-ranked entries go, help and quit stay, the order is kept.
    let short = render(rows: 1, cols: 40) { b, area in KeyBar().draw(into: &b, rect: area, glyphs: .ascii) }
    #expect(short.text() == "Space run/pause  n step  ? help  q quit")
    let tiny = render(rows: 1, cols: 16) { b, area in KeyBar().draw(into: &b, rect: area, glyphs: .ascii) }
    #expect(tiny.text() == "? help  q quit")
    // Every entry comes from the table: help context shows how to close and page.
    let help = KeyBar(context: .help).entries(glyphs: .braille).map(\.label)
    #expect(help == ["close", "page", "quit"])
  }

  @Test func tooSmallGolden() {
    let b = render(rows: 20, cols: 60) { b, _ in
      TooSmall(actual: TerminalSize(rows: 20, cols: 60)).draw(into: &b, glyphs: .braille)
    }
    let lines = b.text().split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[9] == "          lorascope needs 64×20, terminal is 60×20")
    #expect(lines[10] == "                   enlarge it or press q")
    #expect(b.style(row: 9, col: 10) == .warn)
    let narrow = render(rows: 6, cols: 30) { b, _ in
      TooSmall(actual: TerminalSize(rows: 6, cols: 30)).draw(into: &b, glyphs: .ascii)
    }
    #expect(
      narrow.text() == """

            lorascope needs 64x20,
               terminal is 30x6
            enlarge it or press q


        """)
  }
}
