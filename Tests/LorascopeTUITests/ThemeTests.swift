import Foundation
import LorascopeEngine
import Testing

@testable import LorascopeTUI

@Suite("Themes")
struct ThemeTests {
  func parse(_ json: String) throws -> Theme {
    try Assets.decode(Theme.self, from: Data(json.utf8), path: "mine.json")
  }

  @Test func theShippedDefaultIsTheCompiledInTheme() throws {
    let file = try Assets.theme("default")
    #expect(file == Theme.builtIn)
    #expect(Assets.themeNames().contains("light"))
  }

  @Test func lightThemeDiffersAndKeepsTheFixedRoles() throws {
    let light = try Assets.theme("light")
    #expect(light.name == "light")
    #expect(light != Theme.builtIn)
    let palette = Palette(mode: .color256, theme: light)
    #expect(palette.attributes(for: .title).foreground == 25)
    #expect(palette.attributes(for: .selected).reverse)  // not themable
    let mono = Palette(mode: .monochrome, theme: light)
    #expect(CellStyle.allStyles.map(mono.attributes(for:)) == CellStyle.allStyles.map(Palette(mode: .monochrome).attributes(for:)))
    #expect(palette.foregroundColors.allSatisfy { (0..<256).contains($0) })
    #expect(Palette(mode: .color8, theme: light).foregroundColors.allSatisfy { (0..<8).contains($0) })
  }

  @Test func partialThemesKeepTheRest() throws {
    let theme = try parse(#"{"name": "mine", "color256": {"dim": {"fg": 250, "underline": true}}}"#)
    #expect(theme.name == "mine")
    #expect(theme.attributes(for: .dim, mode: .color256) == StyleAttributes(foreground: 250, underline: true))
    #expect(theme.attributes(for: .title, mode: .color256) == Theme.builtIn.attributes(for: .title, mode: .color256))
    #expect(theme.color8 == Theme.builtIn.color8)
  }

  @Test func mistakesAreNamed() {
    func failure(_ json: String) -> String {
      do {
        _ = try parse(json)
        return ""
      } catch {
        return "\(error)"
      }
    }
    #expect(failure(#"{"color256": {"titel": {}}}"#).contains("color256.titel: unknown role"))
    #expect(failure(#"{"color8": {"dim": {"fg": 12}}}"#).contains("outside 0…7"))
    #expect(failure(#"{"color8": {"dim": {"fg": "purple"}}}"#).contains("'purple' is not a colour"))
    #expect(failure(#"{"color256": {"dim": {"fg": 1, "blink": true}}}"#).contains("unknown key"))
    #expect(failure(#"{"color256": {"heat": [{}, {}]}}"#).contains("heat needs 8 entries"))
    #expect(failure(#"{"colour256": {}}"#).contains("mine.json"))
    #expect(throws: LorascopeError.self) { try Assets.theme("no-such-theme") }
  }
}
