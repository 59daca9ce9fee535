/// The colours of every cell role in 256-colour and 8-colour terminals: what
/// `--theme` picks (Docs/Design.md §B.4 "colours": skins and light themes, k9s#169,
/// bottom#447).
///
/// Themes are data: `Assets/themes/<name>.json` (decoded through `Decodable`,
/// see `ThemeLoader`). Two things are fixed on purpose and not themable:
/// monochrome (attributes only, so NO_COLOR and `--mono` look the same
/// everywhere) and the selection (reverse video, visible in every theme).
/// The background is always the terminal's own.
public struct Theme: Sendable, Equatable {
  public var name: String
  /// One look per `CellStyle.code` for ≥ 256-colour terminals.
  public var color256: [StyleAttributes]
  /// One look per `CellStyle.code` for 8-colour terminals (foregrounds 0–7).
  public var color8: [StyleAttributes]

  public init(name: String, color256: [StyleAttributes], color8: [StyleAttributes]) {
    precondition(color256.count == CellStyle.count && color8.count == CellStyle.count)
    self.name = name
    self.color256 = color256
    self.color8 = color8
  }

  /// The look of `style` in a colour mode; monochrome and the selection are fixed.
  public func attributes(for style: CellStyle, mode: ColorMode) -> StyleAttributes {
    if style == .selected { return StyleAttributes(bold: true, reverse: true) }
    switch mode {
    case .color256: return color256[Int(style.code)]
    case .color8: return color8[Int(style.code)]
    case .monochrome: return Theme.monochrome(style)
    }
  }

  /// The theme compiled into the binary, identical to `Assets/themes/default.json`
  /// (a test keeps them equal), so the screen has colours even without its assets.
  public static let builtIn = Theme(
    name: "default",
    color256: CellStyle.allStyles.map(builtIn256),
    color8: CellStyle.allStyles.map(builtIn8))

  // ANSI colour numbers (COLOR_BLACK … COLOR_WHITE).
  static let colorNames: [String: Int] = [
    "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
    "default": -1,
  ]

  /// The role names a theme file uses, in `CellStyle.code` order; `heat` is a list of 8.
  static let roleNames: [(name: String, style: CellStyle)] = [
    ("normal", .normal), ("dim", .dim), ("title", .title), ("accent", .accent), ("good", .good),
    ("warn", .warn), ("bad", .bad), ("series1", .series1), ("series2", .series2), ("series3", .series3),
  ]

  /// Mid-tone xterm-256 colours that read on dark and light backgrounds.
  private static func builtIn256(_ style: CellStyle) -> StyleAttributes {
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
  private static func builtIn8(_ style: CellStyle) -> StyleAttributes {
    let red = 1, green = 2, yellow = 3, blue = 4, magenta = 5, cyan = 6
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

// MARK: - Theme files

/// The JSON form of a theme:
///
///     { "name": "light",
///       "color256": { "dim": {"fg": 240}, "title": {"fg": 25, "bold": true}, …,
///                     "heat": [{"fg": 153}, … 8 entries] },
///       "color8":   { "title": {"fg": "blue", "bold": true}, … } }
///
/// `fg` is a colour number or one of black, red, green, yellow, blue, magenta,
/// cyan, white, default; `bold`, `dim`, `reverse`, `underline` are flags.
/// Roles left out keep the built-in look; unknown roles and keys are errors,
/// so a typo never goes unnoticed.
extension Theme: Decodable {
  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public init(from decoder: any Decoder) throws {
    let root = try decoder.container(keyedBy: Key.self)
    for key in root.allKeys where !["name", "description", "color256", "color8"].contains(key.stringValue) {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: root, debugDescription: "unknown key (expected name, description, color256, color8)")
    }
    let name = try root.decodeIfPresent(String.self, forKey: Key(stringValue: "name")) ?? "custom"
    var c256 = Theme.builtIn.color256
    var c8 = Theme.builtIn.color8
    if root.contains(Key(stringValue: "color256")) {
      let table = try root.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "color256"))
      try Theme.decodeRoles(table, into: &c256, colorLimit: 256)
    }
    if root.contains(Key(stringValue: "color8")) {
      let table = try root.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "color8"))
      try Theme.decodeRoles(table, into: &c8, colorLimit: 8)
    }
    self.init(name: name, color256: c256, color8: c8)
  }

  private static func decodeRoles(
    _ table: KeyedDecodingContainer<Key>, into looks: inout [StyleAttributes], colorLimit: Int
  ) throws {
    for key in table.allKeys {
      if key.stringValue == "heat" {
        var list = try table.nestedUnkeyedContainer(forKey: key)
        guard list.count == CellStyle.maxHeatLevel + 1 else {
          throw DecodingError.dataCorruptedError(
            forKey: key, in: table, debugDescription: "heat needs \(CellStyle.maxHeatLevel + 1) entries")
        }
        var level = 0
        while !list.isAtEnd {
          let look = try list.decode(ThemeLook.self)
          try look.check(limit: colorLimit, codingPath: list.codingPath)
          looks[Int(CellStyle.heat(level).code)] = look.attributes
          level += 1
        }
        continue
      }
      guard let role = roleNames.first(where: { $0.name == key.stringValue }) else {
        throw DecodingError.dataCorruptedError(
          forKey: key, in: table,
          debugDescription: "unknown role (expected " + (roleNames.map(\.name) + ["heat"]).joined(separator: ", ") + ")")
      }
      let look = try table.decode(ThemeLook.self, forKey: key)
      try look.check(limit: colorLimit, codingPath: table.codingPath + [key])
      looks[Int(role.style.code)] = look.attributes
    }
  }
}

/// One `{"fg": …, "bold": …}` entry of a theme file.
struct ThemeLook: Decodable {
  var attributes: StyleAttributes

  private enum Keys: String, CodingKey, CaseIterable {
    case fg, bold, dim, reverse, underline
  }

  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  init(from decoder: any Decoder) throws {
    let all = try decoder.container(keyedBy: AnyKey.self)
    for key in all.allKeys where Keys(rawValue: key.stringValue) == nil {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: all, debugDescription: "unknown key (expected fg, bold, dim, reverse, underline)")
    }
    let c = try decoder.container(keyedBy: Keys.self)
    var a = StyleAttributes()
    if c.contains(.fg) {
      if let number = try? c.decode(Int.self, forKey: .fg) {
        a.foreground = number
      } else {
        let name = try c.decode(String.self, forKey: .fg)
        guard let number = Theme.colorNames[name.lowercased()] else {
          throw DecodingError.dataCorruptedError(
            forKey: .fg, in: c,
            debugDescription: "'\(name)' is not a colour (a number, or "
              + Theme.colorNames.keys.sorted().joined(separator: ", ") + ")")
        }
        a.foreground = number
      }
    }
    a.bold = try c.decodeIfPresent(Bool.self, forKey: .bold) ?? false
    a.dim = try c.decodeIfPresent(Bool.self, forKey: .dim) ?? false
    a.reverse = try c.decodeIfPresent(Bool.self, forKey: .reverse) ?? false
    a.underline = try c.decodeIfPresent(Bool.self, forKey: .underline) ?? false
    attributes = a
  }

  /// A colour must fit the mode: 0–255 (or -1, the default) for 256 colours, 0–7 for 8.
  func check(limit: Int, codingPath: [any CodingKey]) throws {
    guard attributes.foreground >= -1, attributes.foreground < limit else {
      throw DecodingError.dataCorrupted(
        DecodingError.Context(
          codingPath: codingPath,
          debugDescription: "colour \(attributes.foreground) is outside 0…\(limit - 1)"))
    }
  }
}
