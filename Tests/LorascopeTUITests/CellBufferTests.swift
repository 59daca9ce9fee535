import Testing

@testable import LorascopeTUI

@Suite("CellBuffer and DisplayWidth")
struct CellBufferTests {
  @Test func putClipsAtTheEdgesAndTrimsTrailingSpaces() {
    var b = CellBuffer(size: TerminalSize(rows: 2, cols: 5))
    b.put(row: 0, col: 3, text: "abcdef", style: .accent)
    b.put(row: 1, col: -2, text: "xyz", style: .normal)
    b.put(row: 2, col: 0, text: "never", style: .normal)
    #expect(b.text() == "   ab\nz")
    #expect(b.text(trimTrailingSpaces: false) == "   ab\nz    ")
    #expect(b.style(row: 0, col: 3) == .accent)
    #expect(b.style(row: 0, col: 2) == .normal)
  }

  @Test func controlCharactersBecomeQuestionMarks() {
    var b = CellBuffer(size: TerminalSize(rows: 1, cols: 6))
    b.put(row: 0, col: 0, text: "a\u{1B}[2Jb", style: .normal)
    #expect(b.text() == "a?[2Jb")
  }

  @Test func wideCharactersTakeTwoCellsAndKeepColumnsAligned() {
    var b = CellBuffer(size: TerminalSize(rows: 2, cols: 6))
    b.put(row: 0, col: 0, text: "日本x", style: .normal)
    b.put(row: 1, col: 0, text: "abcdef", style: .normal)
    #expect(b.character(row: 0, col: 0) == "日")
    #expect(b.character(row: 0, col: 1) == "")
    #expect(b.character(row: 0, col: 4) == "x")
    // Overwriting the right half of a wide character blanks its left half.
    b.put(row: 0, col: 1, text: "Z", style: .normal)
    #expect(b.line(0) == " Z本x ")
    // A wide character that would be cut at the edge is not drawn.
    b.put(row: 1, col: 5, text: "語", style: .normal)
    #expect(b.line(1) == "abcde ")
  }

  @Test func combiningMarksTakeNoCell() {
    #expect(DisplayWidth.of("e\u{301}") == 1)
    #expect(DisplayWidth.of("⣿▁█λρ─") == 6)
    #expect(DisplayWidth.of("日本") == 4)
  }

  @Test func truncateAndPad() {
    #expect(DisplayWidth.truncate("spectrum", to: 5) == "spec…")
    #expect(DisplayWidth.truncate("spectrum", to: 5, ellipsis: "~") == "spec~")
    #expect(DisplayWidth.truncate("abc", to: 5) == "abc")
    #expect(DisplayWidth.pad("ab", to: 4, alignRight: true) == "  ab")
    #expect(DisplayWidth.pad("abcdef", to: 3) == "abc")
  }

  @Test func fillAndStyleLetters() {
    var b = CellBuffer(size: TerminalSize(rows: 2, cols: 4))
    b.fill(Rect(row: 0, col: 1, width: 2, height: 2), with: "#", style: .heat(7))
    b.fill(Rect(row: 1, col: 3, width: 5, height: 5), with: "*", style: .selected)
    #expect(b.text() == " ##\n ##*")
    #expect(b.styleText() == ".HH.\n.HHs")
  }

  @Test func runsGroupCellsOfOneStyle() {
    var b = CellBuffer(size: TerminalSize(rows: 1, cols: 6))
    b.put(row: 0, col: 0, text: "ab", style: .title)
    b.put(row: 0, col: 2, text: "cd", style: .dim)
    let runs = b.runs()
    #expect(runs.map(\.text) == ["ab", "cd", "  "])
    #expect(runs.map(\.style) == [.title, .dim, .normal])
    #expect(runs.map(\.col) == [0, 2, 4])
  }

  @Test func clippedPutRespectsTheRectangle() {
    var b = CellBuffer(size: TerminalSize(rows: 1, cols: 10))
    let written = b.put(
      row: 0, col: 1, text: "abcdefgh", style: .normal, clippedTo: Rect(row: 0, col: 3, width: 4, height: 1))
    #expect(written == 4)
    #expect(b.text() == "   cdef")
  }

  @Test func styleCodesRoundTrip() {
    #expect(CellStyle.allStyles.count == CellStyle.count)
    for style in CellStyle.allStyles { #expect(CellStyle(code: style.code) == style) }
    #expect(CellStyle.heat(12).code == CellStyle.heat(7).code)
    #expect(CellStyle.heat(-3).code == CellStyle.heat(0).code)
  }
}
