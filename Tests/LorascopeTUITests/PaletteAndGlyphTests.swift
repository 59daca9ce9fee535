import Testing

@testable import LorascopeTUI

@Suite("Palette and glyphs")
struct PaletteAndGlyphTests {
  @Test func modeFromColorsNoColorAndMono() {
    #expect(Palette.chooseMode(colors: 256, noColor: false, mono: false) == .color256)
    #expect(Palette.chooseMode(colors: 16_777_216, noColor: false, mono: false) == .color256)
    #expect(Palette.chooseMode(colors: 8, noColor: false, mono: false) == .color8)
    #expect(Palette.chooseMode(colors: 16, noColor: false, mono: false) == .color8)
    #expect(Palette.chooseMode(colors: 0, noColor: false, mono: false) == .monochrome)
    #expect(Palette.chooseMode(colors: 256, noColor: true, mono: false) == .monochrome)
    #expect(Palette.chooseMode(colors: 256, noColor: false, mono: true) == .monochrome)
  }

  @Test func noColorMeansPresentAndNotEmpty() {
    #expect(Palette.noColorRequested(environment: ["NO_COLOR": "1"]))
    #expect(!Palette.noColorRequested(environment: ["NO_COLOR": ""]))
    #expect(!Palette.noColorRequested(environment: ["TERM": "xterm"]))
  }

  @Test func monochromeUsesAttributesOnly() {
    let mono = Palette(mode: .monochrome)
    for style in CellStyle.allStyles { #expect(!mono.attributes(for: style).usesColor, "\(style)") }
    #expect(mono.foregroundColors.isEmpty)
    #expect(mono.attributes(for: .selected).reverse)
    #expect(mono.attributes(for: .title).bold)
    #expect(mono.attributes(for: .dim).dim)
    // The three series still differ without colour.
    let series = [CellStyle.series1, .series2, .series3].map(mono.attributes(for:))
    #expect(Set(series).count == 3)
  }

  @Test func colorPalettesStayInRangeAndKeepTheBackground() {
    let eight = Palette(mode: .color8)
    #expect(eight.foregroundColors.allSatisfy { (0..<8).contains($0) })
    #expect(eight.attributes(for: .normal) == StyleAttributes())  // terminal default: light themes work
    let full = Palette(mode: .color256)
    #expect(full.foregroundColors.allSatisfy { (0..<256).contains($0) })
    // Heat levels are distinct colours in 256 mode.
    let heat = (0...7).map { full.attributes(for: .heat($0)).foreground }
    #expect(Set(heat).count == 8)
    for palette in [eight, full] {
      #expect(palette.attributes(for: .selected).reverse)
      let series = [CellStyle.series1, .series2, .series3].map { palette.attributes(for: $0).foreground }
      #expect(Set(series).count == 3)
    }
  }

  @Test func glyphModeFromTheLocaleCodeset() {
    #expect(GlyphSet.detectMode(codeset: "UTF-8") == .braille)
    #expect(GlyphSet.detectMode(codeset: "utf8") == .braille)
    #expect(GlyphSet.detectMode(codeset: "ANSI_X3.4-1968") == .ascii)
    #expect(GlyphSet.detectMode(codeset: "ISO-8859-1") == .ascii)
    #expect(GlyphSet.detectMode(codeset: "UTF-8", override: .block) == .block)
    #expect(GlyphSet.detectMode(codeset: "ANSI_X3.4-1968", override: .braille) == .braille)
  }

  @Test func asciiSetIsPureAscii() {
    let g = GlyphSet.ascii
    let all = [g.horizontal, g.vertical, g.topLeft, g.topRight, g.bottomLeft, g.bottomRight, g.axisTick, g.pointer]
      + g.horizontalEighths + g.verticalEighths + g.heatShades + g.seriesMarkers
    #expect(all.allSatisfy { $0.isASCII })
    #expect((g.ellipsis + g.times + g.legendLines.joined()).allSatisfy { $0.isASCII })
    #expect(g.text("λ_eff ≈ ρ · Σ → ×").allSatisfy { $0.isASCII })
    #expect(g.text("λ=0.5") == "lambda=0.5")
    #expect(GlyphSet.braille.text("λ=0.5") == "λ=0.5")
  }
}
