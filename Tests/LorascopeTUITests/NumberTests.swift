import Testing

@testable import LorascopeTUI

@Suite("Number formatting and entry")
struct NumberTests {
  @Test func fixedDecimals() {
    #expect(NumberFormat.fixed(0.35, decimals: 3) == "0.350")
    #expect(NumberFormat.fixed(-12.04, decimals: 1) == "-12.0")
    #expect(NumberFormat.fixed(-0.0001, decimals: 2) == "0.00")
    #expect(NumberFormat.fixed(2.5, decimals: 0) == "3")
    #expect(NumberFormat.fixed(.nan, decimals: 2) == "nan")
    #expect(NumberFormat.fixed(-.infinity, decimals: 2) == "-inf")
  }

  @Test func compactAndScientific() {
    #expect(NumberFormat.compact(2.3141) == "2.31")
    #expect(NumberFormat.compact(0.042) == "0.042")
    #expect(NumberFormat.compact(1200) == "1200")
    #expect(NumberFormat.compact(0) == "0")
    #expect(NumberFormat.compact(1.5e-5) == "1.5e-5")
    #expect(NumberFormat.compact(3.2e5) == "3.2e+5")
    #expect(NumberFormat.compact(-0.5) == "-0.5")
    #expect(NumberFormat.scientific(9.996e-3, significant: 3) == "1e-2")
    #expect(NumberFormat.scientific(1, significant: 2) == "1e+0")
    #expect(NumberFormat.scientific(0.000316227766, significant: 2) == "3.2e-4")
    #expect(NumberFormat.decimalExponent(1000) == 3)
    #expect(NumberFormat.decimalExponent(0.001) == -3)
  }

  @Test func lambdaEntryAcceptsNumbersOnly() {
    var entry = NumberEntry()
    for c in "0.2x5" { #expect(entry.handle(.char(c)) == .editing) }
    #expect(entry.text == "0.25")
    #expect(entry.handle(.named(.enter)) == .confirmed(0.25))
    entry = NumberEntry(text: "1e-")
    #expect(entry.handle(.named(.enter)) == .editing)
    #expect(entry.error != nil)
    #expect(entry.handle(.named(.backspace)) == .editing)
    #expect(entry.error == nil)
    #expect(entry.handle(.named(.enter)) == .editing)  // "1e" is still not a number
    #expect(entry.handle(.char("2")) == .editing)
    #expect(entry.handle(.named(.enter)) == .confirmed(100))
    #expect(NumberEntry(text: "-1").handleCopy(.named(.enter)) == .editing)  // λ ≥ 0
    #expect(entry.handle(.named(.escape)) == .cancelled)
    #expect(entry.handle(.named(.ctrlC)) == .action(.quit))
  }

  @Test func lambdaEntryDraws() {
    var entry = NumberEntry()
    for c in "0.25" { _ = entry.handle(.char(c)) }
    let b = render(rows: 1, cols: 60) { b, area in entry.draw(into: &b, rect: area, glyphs: .braille) }
    #expect(b.text() == "λ = 0.25▏  Enter set  Esc cancel  ^C quit")
    let a = render(rows: 1, cols: 60) { b, area in entry.draw(into: &b, rect: area, glyphs: .ascii) }
    #expect(a.text() == "lambda = 0.25_  Enter set  Esc cancel  ^C quit")
  }
}

extension NumberEntry {
  /// Handles one event on a copy (for one-line checks).
  func handleCopy(_ event: TerminalEvent) -> Outcome {
    var copy = self
    return copy.handle(event)
  }
}
