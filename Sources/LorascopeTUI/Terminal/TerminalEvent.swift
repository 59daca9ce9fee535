/// A key that is not a printable character.
public enum NamedKey: Hashable, Sendable, CaseIterable {
  case up, down, left, right
  case pageUp, pageDown, home, end
  case escape, enter, backspace, tab
  case f1
  /// Ctrl-L: repaint everything (htop, nvtop#394).
  case ctrlL
  /// Ctrl-C: quit. Also produced when SIGINT arrives while curses runs.
  case ctrlC
}

/// One key press: a printable character or a named key.
public enum Key: Hashable, Sendable {
  case character(Character)
  case named(NamedKey)

  /// How the key is written in the help overlay and the key bar.
  ///
  /// With `unicode` false only ASCII is used, so the text survives a
  /// non-UTF-8 locale (the same switch that picks ASCII glyphs).
  public func label(unicode: Bool) -> String {
    switch self {
    case .character(" "): return "Space"
    case .character(let c): return String(c)
    case .named(let key):
      switch key {
      case .up: return unicode ? "↑" : "Up"
      case .down: return unicode ? "↓" : "Down"
      case .left: return unicode ? "←" : "Left"
      case .right: return unicode ? "→" : "Right"
      case .pageUp: return "PgUp"
      case .pageDown: return "PgDn"
      case .home: return "Home"
      case .end: return "End"
      case .escape: return "Esc"
      case .enter: return "Enter"
      case .backspace: return "Bksp"
      case .tab: return "Tab"
      case .f1: return "F1"
      case .ctrlL: return "^L"
      case .ctrlC: return "^C"
      }
    }
  }
}

/// What a mouse did, in screen cells.
public struct MouseEvent: Hashable, Sendable {
  /// The kind of mouse action.
  public enum Kind: Hashable, Sendable {
    case click
    case wheelUp
    case wheelDown
  }

  public var kind: Kind
  public var row: Int
  public var col: Int

  public init(kind: Kind, row: Int, col: Int) {
    self.kind = kind
    self.row = row
    self.col = col
  }
}

/// An input event delivered by a `Screen`.
public enum TerminalEvent: Hashable, Sendable {
  /// A key press.
  case key(Key)
  /// The terminal changed size; the payload is the new size.
  case resize(TerminalSize)
  /// A mouse click or wheel step (only while mouse reporting is on).
  case mouse(MouseEvent)
  /// SIGTERM or SIGHUP arrived: finish up and leave (the signal number is given).
  case terminate(signal: Int32)

  /// Shorthand for a printable key.
  public static func char(_ c: Character) -> TerminalEvent { .key(.character(c)) }
  /// Shorthand for a named key.
  public static func named(_ k: NamedKey) -> TerminalEvent { .key(.named(k)) }
}
