/// How many colours the palette may use.
public enum ColorMode: String, Sendable, CaseIterable {
  /// xterm-256color and better: gradients for heat maps.
  case color256
  /// The eight ANSI colours (TERM=xterm, TERM=linux).
  case color8
  /// No colour at all: bold, reverse, dim and underline only (TERM=vt100,
  /// NO_COLOR, `--mono`).
  case monochrome
}

/// The look of one role on one kind of terminal: a foreground colour (or the
/// terminal default) plus attributes. The background is always the
/// terminal's own (`use_default_colors`), so light themes keep their look.
public struct StyleAttributes: Hashable, Sendable {
  /// Colour index, or -1 for the terminal's default foreground.
  public var foreground: Int
  public var bold: Bool
  public var dim: Bool
  public var reverse: Bool
  public var underline: Bool

  public init(
    foreground: Int = -1, bold: Bool = false, dim: Bool = false,
    reverse: Bool = false, underline: Bool = false
  ) {
    self.foreground = foreground
    self.bold = bold
    self.dim = dim
    self.reverse = reverse
    self.underline = underline
  }

  /// `true` when a colour (not the default foreground) is used.
  public var usesColor: Bool { foreground >= 0 }
}

/// Maps cell roles to terminal attributes for the chosen colour mode
/// (DESIGN.md §7: "works in 8-color and monochrome terminals").
///
/// Everything here is pure, so the choice is tested without a terminal;
/// `NcursesScreen` turns the result into colour pairs.
public struct Palette: Sendable, Equatable {
  public let mode: ColorMode
  private let table: [StyleAttributes]

  public init(mode: ColorMode) {
    self.mode = mode
    table = CellStyle.allStyles.map { Palette.attributes(for: $0, mode: mode) }
  }

  /// The colour mode for a terminal reporting `colors` colours (ncurses
  /// `COLORS`, 0 when `has_colors()` is false), given `NO_COLOR` and `--mono`.
  ///
  /// Either switch forces monochrome; otherwise 256 or more colours give the
  /// gradient palette, 8 to 255 the basic one, fewer than 8 monochrome.
  public static func chooseMode(colors: Int, noColor: Bool, mono: Bool) -> ColorMode {
    if noColor || mono { return .monochrome }
    if colors >= 256 { return .color256 }
    if colors >= 8 { return .color8 }
    return .monochrome
  }

  /// `true` when the environment asks for no colour: `NO_COLOR` is present and
  /// not empty (no-color.org).
  public static func noColorRequested(environment: [String: String]) -> Bool {
    guard let value = environment["NO_COLOR"] else { return false }
    return !value.isEmpty
  }

  /// The attributes for one role.
  public func attributes(for style: CellStyle) -> StyleAttributes {
    table[Int(style.code)]
  }

  /// The distinct foreground colours this palette uses (pairs to allocate).
  public var foregroundColors: [Int] {
    var seen: [Int] = []
    for a in table where a.usesColor && !seen.contains(a.foreground) { seen.append(a.foreground) }
    return seen
  }

  // ANSI colour numbers (COLOR_BLACK … COLOR_WHITE).
  private static let red = 1, green = 2, yellow = 3, blue = 4, magenta = 5, cyan = 6

  private static func attributes(for style: CellStyle, mode: ColorMode) -> StyleAttributes {
    // Selection is reverse video everywhere: visible in every mode and theme.
    if style == .selected { return StyleAttributes(bold: true, reverse: true) }
    switch mode {
    case .color256: return color256(style)
    case .color8: return color8(style)
    case .monochrome: return monochrome(style)
    }
  }

  /// Mid-tone xterm-256 colours that read on dark and light backgrounds.
  private static func color256(_ style: CellStyle) -> StyleAttributes {
    switch style {
    case .normal, .selected: return StyleAttributes()
    case .dim: return StyleAttributes(foreground: 244)
    case .title: return StyleAttributes(foreground: 39, bold: true)
    case .accent: return StyleAttributes(foreground: 208, bold: true)
    case .good: return StyleAttributes(foreground: 34)
    case .warn: return StyleAttributes(foreground: 178, bold: true)
    case .bad: return StyleAttributes(foreground: 196, bold: true)
    case .series1: return StyleAttributes(foreground: 33)
    case .series2: return StyleAttributes(foreground: 208)
    case .series3: return StyleAttributes(foreground: 135)
    case .heat(let level):
      // Blue → teal → yellow → red: ordered in lightness as well as hue.
      let ramp = [24, 31, 37, 71, 142, 178, 208, 196]
      let l = min(max(level, 0), CellStyle.maxHeatLevel)
      return StyleAttributes(foreground: ramp[l], bold: l == CellStyle.maxHeatLevel)
    }
  }

  /// The eight ANSI colours, with bold for the upper half of each heat pair.
  private static func color8(_ style: CellStyle) -> StyleAttributes {
    switch style {
    case .normal, .selected: return StyleAttributes()
    case .dim: return StyleAttributes(dim: true)
    case .title: return StyleAttributes(foreground: cyan, bold: true)
    case .accent: return StyleAttributes(foreground: yellow, bold: true)
    case .good: return StyleAttributes(foreground: green)
    case .warn: return StyleAttributes(foreground: yellow)
    case .bad: return StyleAttributes(foreground: red, bold: true)
    case .series1: return StyleAttributes(foreground: cyan)
    case .series2: return StyleAttributes(foreground: yellow)
    case .series3: return StyleAttributes(foreground: magenta)
    case .heat(let level):
      let colors = [blue, blue, cyan, green, yellow, yellow, red, red]
      let l = min(max(level, 0), CellStyle.maxHeatLevel)
      return StyleAttributes(foreground: colors[l], bold: l % 2 == 1)
    }
  }

  /// Attributes only (htop monochrome, git-interactive-rebase-tool#896): the
  /// glyphs and labels carry the meaning, attributes add emphasis.
  private static func monochrome(_ style: CellStyle) -> StyleAttributes {
    switch style {
    case .normal, .selected, .good, .series1: return StyleAttributes()
    case .dim: return StyleAttributes(dim: true)
    case .title, .accent, .series2: return StyleAttributes(bold: true)
    case .warn, .series3: return StyleAttributes(underline: true)
    case .bad: return StyleAttributes(bold: true, underline: true)
    case .heat(let level):
      let l = min(max(level, 0), CellStyle.maxHeatLevel)
      return l <= 2 ? StyleAttributes(dim: true) : StyleAttributes(bold: l >= 6)
    }
  }
}
