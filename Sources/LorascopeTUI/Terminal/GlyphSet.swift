#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which family of characters the screen draws with (Docs/Design.md §B.4 "line charts").
public enum GlyphMode: String, CaseIterable, Sendable {
  /// Braille charts (2×4 dots per cell), Unicode boxes and eighth blocks.
  case braille
  /// Half-block charts (1×2 per cell), Unicode boxes and eighth blocks: for
  /// fonts or consoles without braille (btop#351, htop#374).
  case block
  /// Plain ASCII everywhere: for non-UTF-8 locales and `TERM=vt100`.
  case ascii
}

/// The characters every widget draws with, chosen once per screen.
///
/// Widgets never hard-code a glyph: they ask the set, so the braille → block →
/// ASCII fallback (htop's `CRT_utf8`, btop's `--glyphs`) is one switch.
public struct GlyphSet: Sendable, Equatable {
  public let mode: GlyphMode

  // Box drawing.
  public let horizontal: Character
  public let vertical: Character
  public let topLeft: Character
  public let topRight: Character
  public let bottomLeft: Character
  public let bottomRight: Character
  /// A vertical rule with a tick to the left (┤) for y axes.
  public let axisTick: Character
  /// The corner where a y axis meets an x axis (└).
  public let axisCorner: Character

  /// Horizontal partial bars, 1/8 to 8/8 of a cell (▏…█); ASCII has only '#'.
  public let horizontalEighths: [Character]
  /// Vertical partial bars, 1/8 to 8/8 of a cell (▁…█); ASCII has only '#'.
  public let verticalEighths: [Character]
  /// Heat shades from empty to full: " ░▒▓█" or " .:*#".
  public let heatShades: [Character]
  /// The ellipsis that marks cut text.
  public let ellipsis: String
  /// The multiplication sign in sizes ("80×24").
  public let times: String
  /// Marks the selected row of a list.
  public let pointer: Character
  /// Line samples drawn in a chart legend for series 1, 2, 3 (solid, dashed, dotted).
  public let legendLines: [String]
  /// Plot markers per series in ASCII charts; also shown in every legend.
  public let seriesMarkers: [Character]
  /// Whether text may use non-ASCII characters (λ, ρ, arrows).
  public var unicode: Bool { mode != .ascii }

  /// The set for a mode.
  public static func forMode(_ mode: GlyphMode) -> GlyphSet {
    switch mode {
    case .braille: return .braille
    case .block: return .block
    case .ascii: return .ascii
    }
  }

  public static let braille = GlyphSet(mode: .braille)
  public static let block = GlyphSet(mode: .block)
  public static let ascii = GlyphSet(mode: .ascii)

  private init(mode: GlyphMode) {
    self.mode = mode
    if mode == .ascii {
      horizontal = "-"
      vertical = "|"
      topLeft = "+"
      topRight = "+"
      bottomLeft = "+"
      bottomRight = "+"
      axisTick = "+"
      axisCorner = "+"
      horizontalEighths = Array(repeating: "#", count: 8)
      verticalEighths = Array(repeating: "#", count: 8)
      heatShades = [" ", ".", ":", "*", "#"]
      ellipsis = "~"
      times = "x"
      pointer = ">"
      legendLines = ["---", "- -", ". .", "-.-"]
    } else {
      horizontal = "─"
      vertical = "│"
      topLeft = "┌"
      topRight = "┐"
      bottomLeft = "└"
      bottomRight = "┘"
      axisTick = "┤"
      axisCorner = "└"
      horizontalEighths = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
      verticalEighths = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
      heatShades = [" ", "░", "▒", "▓", "█"]
      ellipsis = "…"
      times = "×"
      pointer = "▶"
      legendLines = ["───", "╌╌╌", "┈┈┈", "─·─"]
    }
    seriesMarkers = ["*", "+", "o", "x"]
  }

  /// Chooses the mode the way htop does: braille when the locale's codeset is
  /// UTF-8, ASCII otherwise; an explicit choice (`--glyphs`) always wins.
  public static func detectMode(codeset: String, override: GlyphMode? = nil) -> GlyphMode {
    if let override { return override }
    let normalized = codeset.uppercased().filter { $0 != "-" && $0 != "_" }
    return normalized == "UTF8" ? .braille : .ascii
  }

  /// The codeset of the current C locale (`nl_langinfo(nl_item(CODESET))`); call
  /// `setlocale(LC_ALL, "")` first, as `NcursesScreen` does.
  public static func currentCodeset() -> String {
    guard let name = nl_langinfo(nl_item(CODESET)) else { return "" }
    return String(cString: name)
  }
}

extension GlyphSet {
  /// `text` as this glyph set can show it: unchanged in braille and block
  /// mode, spelled out in ASCII mode (λ → "lambda", ρ → "rho", → → "->").
  /// Widgets pass every user-facing string through it.
  public func text(_ text: String) -> String {
    unicode ? text : GlyphSet.asciiTransliteration(text)
  }

  /// Replaces the non-ASCII characters lorascope uses by ASCII words or
  /// look-alikes; anything else outside ASCII becomes `?`.
  public static func asciiTransliteration(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      if scalar.isASCII {
        result.unicodeScalars.append(scalar)
        continue
      }
      switch scalar {
      case "λ": result += "lambda"
      case "ρ": result += "rho"
      case "Σ": result += "Sigma"
      case "ε": result += "eps"
      case "α": result += "alpha"
      case "Δ": result += "Delta"
      case "–", "—", "−", "─", "╌", "┈": result += "-"
      case "‖": result += "||"
      case "·", "•": result += "-"
      case "≈": result += "~"
      case "≤": result += "<="
      case "≥": result += ">="
      case "×": result += "x"
      case "…": result += "..."
      case "→": result += "->"
      case "←": result += "<-"
      case "↑": result += "^"
      case "↓": result += "v"
      case "↔": result += "<->"
      case "▶": result += ">"
      case "₀"..."₉": result += String(scalar.value - 0x2080)
      case "⁻": result += "^-"
      case "⁰": result += "0"
      case "¹": result += "1"
      case "²": result += "2"
      case "³": result += "3"
      case "⁴"..."⁹": result += String(scalar.value - 0x2070)
      case "┃": result += "|"
      case "∇": result += "grad "
      case "½": result += "1/2"
      case "●": result += "*"
      case "│", "┤", "├": result += "|"
      case "┌", "┐", "└", "┘", "┼": result += "+"
      default: result += "?"
      }
    }
    return result
  }
}
