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

/// Maps cell roles to terminal attributes for the chosen colour mode and
/// theme (Docs/Design.md §7: "works in 8-color and monochrome terminals").
///
/// Everything here is pure, so the choice is tested without a terminal;
/// `NcursesScreen` turns the result into colour pairs.
public struct Palette: Sendable, Equatable {
  public let mode: ColorMode
  /// The theme's name (`--theme`).
  public let themeName: String
  private let table: [StyleAttributes]

  public init(mode: ColorMode, theme: Theme = .builtIn) {
    self.mode = mode
    themeName = theme.name
    table = CellStyle.allStyles.map { theme.attributes(for: $0, mode: mode) }
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
}
