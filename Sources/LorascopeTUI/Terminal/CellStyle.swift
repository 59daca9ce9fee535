/// The role of a cell, not its colour: the `Palette` maps roles to curses
/// attributes for 256-colour, 8-colour and monochrome terminals (Docs/Design.md §7,
/// Docs/Design.md §B.4 "colours").
///
/// Roles keep widgets independent of the terminal: a chart says "series 2",
/// the palette decides whether that is orange, yellow or bold.
public enum CellStyle: Hashable, Sendable {
  /// Default foreground on the terminal's own background.
  case normal
  /// Secondary text: axes, units, hints.
  case dim
  /// Panel titles and table headers.
  case title
  /// Emphasis: the selected module's label, key names in the key bar.
  case accent
  /// Something going well (loss falling, stability kept).
  case good
  /// Something to look at (a warning, the λ marker).
  case warn
  /// Something wrong (NaN, forgetting).
  case bad
  /// The selected row or cell (reverse video in every palette).
  case selected
  /// First data series (CE loss).
  case series1
  /// Second data series (penalty).
  case series2
  /// Third data series (total).
  case series3
  /// A heat-map level from 0 (cold) to 7 (hot); clamped into that range.
  case heat(Int)

  /// Number of distinct styles (11 roles plus 8 heat levels).
  public static let count = 19

  /// The highest heat level.
  public static let maxHeatLevel = 7

  /// A dense index in `0..<count`, used by the cell grid and the palette tables.
  public var code: UInt8 {
    switch self {
    case .normal: return 0
    case .dim: return 1
    case .title: return 2
    case .accent: return 3
    case .good: return 4
    case .warn: return 5
    case .bad: return 6
    case .selected: return 7
    case .series1: return 8
    case .series2: return 9
    case .series3: return 10
    case .heat(let level): return UInt8(11 + min(max(level, 0), CellStyle.maxHeatLevel))
    }
  }

  /// The style with the given dense index (`normal` for an unknown index).
  public init(code: UInt8) {
    switch code {
    case 1: self = .dim
    case 2: self = .title
    case 3: self = .accent
    case 4: self = .good
    case 5: self = .warn
    case 6: self = .bad
    case 7: self = .selected
    case 8: self = .series1
    case 9: self = .series2
    case 10: self = .series3
    case 11...18: self = .heat(Int(code) - 11)
    default: self = .normal
    }
  }

  /// Every style once, in `code` order.
  public static var allStyles: [CellStyle] { (0..<UInt8(count)).map(CellStyle.init(code:)) }

  /// The style of data series `index` (0, 1, 2, 3, then repeating). The fourth series (the
  /// fourth λ of a race) borrows the `good` colour: the themes give the three series colours
  /// and `good` four different hues.
  public static func series(_ index: Int) -> CellStyle {
    switch ((index % seriesCount) + seriesCount) % seriesCount {
    case 0: return .series1
    case 1: return .series2
    case 2: return .series3
    default: return .good
    }
  }

  /// How many series the charts tell apart (by colour and by pattern).
  public static let seriesCount = 4
}
