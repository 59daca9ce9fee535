import CNcursesw

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why the terminal could not be taken over.
public enum TerminalError: Error, Equatable, CustomStringConvertible {
  /// `newterm` refused the terminal (no TERM, unknown TERM, not a tty), or TERM names a
  /// terminal that cannot address the cursor (`dumb`).
  case cannotInitialize(term: String)

  public var description: String {
    switch self {
    case .cannotInitialize(let term):
      return "cannot open the terminal (TERM=\(term.isEmpty ? "<unset>" : term)); "
        + "run in a terminal, or use the headless commands (lorascope run)"
    }
  }
}

/// The real terminal, through ncursesw (Docs/Design.md §7, §B).
///
/// Set-up follows the verified recipe: `setlocale` before curses, the
/// `TerminalGuard` handlers before `newterm`, `cbreak`, `noecho`, `keypad`,
/// `set_escdelay(25)`, `curs_set(0)`, colours only when the palette wants
/// them, `use_default_colors` so light terminals keep their background.
/// A frame is `werase` + drawing + `wnoutrefresh` + one `doupdate`.
/// Text goes out through `mvaddnwstr` (no variadic printw).
///
/// Only the thread that created the screen may use it. `close()` (or
/// deinit) gives the terminal back; the guard does it too on exit and on signals.
public final class NcursesScreen: Screen {
  /// How the screen should look and behave.
  public struct Options: Sendable {
    /// `--mono`: attributes only, no colour.
    public var mono: Bool
    /// `--glyphs`: force braille, block or ASCII instead of the locale's choice.
    public var glyphOverride: GlyphMode?
    /// Report mouse clicks and the wheel from the start.
    public var mouse: Bool
    /// Honour `NO_COLOR` (read from the environment).
    public var noColor: Bool
    /// `--theme`: the colours of every role.
    public var theme: Theme

    public init(
      mono: Bool = false, glyphOverride: GlyphMode? = nil, mouse: Bool = true,
      noColor: Bool = NcursesScreen.environmentRequestsNoColor(), theme: Theme = .builtIn
    ) {
      self.mono = mono
      self.glyphOverride = glyphOverride
      self.mouse = mouse
      self.noColor = noColor
      self.theme = theme
    }
  }

  /// Whether a terminal of type `term` can show the screen: not unset, and not one of the
  /// terminfo entries without cursor addressing that editors and CI runners set.
  static func termCanDraw(_ term: String) -> Bool {
    !term.isEmpty && !["dumb", "unknown"].contains(term)
  }

  public let glyphs: GlyphSet
  public let palette: Palette
  /// The attribute word (`COLOR_PAIR | A_BOLD | …`) for every `CellStyle.code`.
  private let attributeTable: [Int32]
  private var closed = false
  private var mouseOn = false

  /// Takes over the terminal. Throws when curses cannot start (no terminal).
  public init(options: Options = Options()) throws {
    let term = getenv("TERM").map { String(cString: $0) } ?? ""
    // ncurses accepts TERM=dumb but cannot move the cursor there, so every frame is blank:
    // refuse it like an unknown TERM, before anything of the terminal is touched.
    guard Self.termCanDraw(term) else { throw TerminalError.cannotInitialize(term: term) }
    setlocale(LC_ALL, "")
    glyphs = GlyphSet.forMode(
      GlyphSet.detectMode(codeset: GlyphSet.currentCodeset(), override: options.glyphOverride))
    // Our SIGINT/SIGTERM/SIGHUP handlers first: ncurses only installs its own
    // where the disposition is still SIG_DFL (Docs/Design.md §B.2 pitfall 9).
    TerminalGuard.install()
    // newterm (not initscr) so a missing terminal is an error, not exit(1).
    guard let output = fdopen(STDOUT_FILENO, "w"), let input = fdopen(STDIN_FILENO, "r"),
      newterm(nil, output, input) != nil
    else {
      throw TerminalError.cannotInitialize(term: getenv("TERM").map { String(cString: $0) } ?? "")
    }
    TerminalGuard.cursesDidStart()
    cbreak()
    noecho()
    keypad(lsc_stdscr(), true)
    set_escdelay(25)
    curs_set(0)

    var colors = 0
    var defaultBackground = false
    if has_colors() && !options.mono && !options.noColor {
      start_color()
      defaultBackground = use_default_colors() == OK
      colors = Int(lsc_colors())
    }
    palette = Palette(
      mode: Palette.chooseMode(colors: colors, noColor: options.noColor, mono: options.mono),
      theme: options.theme)
    attributeTable = NcursesScreen.buildAttributes(
      palette: palette, defaultBackground: defaultBackground)
    mouseEnabled = options.mouse
  }

  deinit { close() }

  /// Gives the terminal back (`endwin`) and replays the held stderr. Idempotent.
  public func close() {
    guard !closed else { return }
    closed = true
    if mouseOn { _ = mousemask(0, nil) }
    TerminalGuard.restore()
  }

  /// `true` when `NO_COLOR` is set to a non-empty value.
  public static func environmentRequestsNoColor() -> Bool {
    guard let value = getenv("NO_COLOR") else { return false }
    return Palette.noColorRequested(environment: ["NO_COLOR": String(cString: value)])
  }

  // MARK: - Screen

  public var size: TerminalSize {
    TerminalSize(rows: Int(lsc_lines()), cols: Int(lsc_cols()))
  }

  public var mouseEnabled: Bool {
    get { mouseOn }
    set {
      guard !closed else { return }
      let mask = newValue ? NcursesScreen.reportedMouseEvents : 0
      _ = mousemask(mmask_t(mask), nil)
      if newValue { _ = mouseinterval(0) }  // report presses at once, no click wait
      mouseOn = newValue
    }
  }

  public func put(row: Int, col: Int, text: String, style: CellStyle) {
    let screen = size
    guard !closed, row >= 0, row < screen.rows, col < screen.cols else { return }
    var wide: [wchar_t] = []
    wide.reserveCapacity(text.unicodeScalars.count)
    var c = col
    for scalar in text.unicodeScalars {
      let width = DisplayWidth.of(scalar)
      if c + width > screen.cols { break }
      var value = scalar.value
      if value < 0x20 || (0x7F...0x9F).contains(value) { value = 0x3F }
      if c >= 0 {
        wide.append(wchar_t(bitPattern: value))
      } else if width > 0 {
        c += width
        continue
      }
      c += width
    }
    guard !wide.isEmpty else { return }
    attrset(attributeTable[Int(style.code)])
    _ = mvaddnwstr(Int32(row), Int32(max(col, 0)), wide, Int32(wide.count))
  }

  public func fill(_ rect: Rect, with character: Character, style: CellStyle) {
    let area = rect.clipped(to: Rect(size: size))
    guard !area.isEmpty else { return }
    let line = String(repeating: String(character), count: area.width)
    for r in area.row..<area.bottom { put(row: r, col: area.col, text: line, style: style) }
  }

  public func beginFrame() {
    guard !closed else { return }
    werase(lsc_stdscr())
  }

  public func flush() {
    guard !closed else { return }
    wnoutrefresh(lsc_stdscr())
    doupdate()
  }

  public func repaintAll() {
    guard !closed else { return }
    clearok(lsc_curscr(), true)
  }

  public func nextEvent(timeoutMS: Int) -> TerminalEvent? {
    if let event = pendingSignalEvent() { return event }
    guard !closed else { return nil }
    wtimeout(lsc_stdscr(), Int32(clamping: timeoutMS))
    var code: wint_t = 0
    let result = wget_wch(lsc_stdscr(), &code)
    if result == ERR { return pendingSignalEvent() }  // timeout, or a signal cut the wait
    if result == KEY_CODE_YES { return functionKeyEvent(Int32(bitPattern: code)) }
    let event = NcursesScreen.characterEvent(code)
    // Ctrl-L repaints even if the app forgets to: the next flush redraws every
    // cell. The event is still returned so the app draws a fresh frame.
    if event == .named(.ctrlL) { repaintAll() }
    return event
  }

  // MARK: - Implementation details

  /// SIGINT reads as Ctrl-C; SIGTERM/SIGHUP as a request to terminate.
  private func pendingSignalEvent() -> TerminalEvent? {
    guard let signal = TerminalGuard.takeTerminationSignal() else { return nil }
    return signal == SIGINT ? .named(.ctrlC) : .terminate(signal: signal)
  }

  private func functionKeyEvent(_ code: Int32) -> TerminalEvent? {
    switch code {
    case KEY_UP: return .named(.up)
    case KEY_DOWN: return .named(.down)
    case KEY_LEFT: return .named(.left)
    case KEY_RIGHT: return .named(.right)
    case KEY_PPAGE: return .named(.pageUp)
    case KEY_NPAGE: return .named(.pageDown)
    case KEY_HOME: return .named(.home)
    case KEY_END: return .named(.end)
    case KEY_BACKSPACE: return .named(.backspace)
    case KEY_ENTER: return .named(.enter)
    case KEY_F0 + 1: return .named(.f1)
    case KEY_RESIZE: return .resize(size)
    case KEY_MOUSE: return mouseEvent()
    default: return nil
    }
  }

  /// Maps a character from `get_wch` (control bytes included) to an event.
  static func characterEvent(_ code: wint_t) -> TerminalEvent? {
    switch code {
    case 27: return .named(.escape)
    case 10, 13: return .named(.enter)
    case 8, 127: return .named(.backspace)
    case 9: return .named(.tab)
    case 12: return .named(.ctrlL)
    case 3: return .named(.ctrlC)
    case 0..<32: return nil
    default:
      guard let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
      return .char(Character(scalar))
    }
  }

  private func mouseEvent() -> TerminalEvent? {
    var event = MEVENT()
    guard getmouse(&event) == OK else { return nil }
    let state = UInt32(event.bstate)
    let kind: MouseEvent.Kind
    if state & NcursesScreen.wheelUpMask != 0 {
      kind = .wheelUp
    } else if state & NcursesScreen.wheelDownMask != 0 {
      kind = .wheelDown
    } else if state & NcursesScreen.clickMask != 0 {
      kind = .click
    } else {
      return nil
    }
    return .mouse(MouseEvent(kind: kind, row: Int(event.y), col: Int(event.x)))
  }

  // The BUTTONn_* masks are function-like macros, which Swift does not import.
  // NCURSES_MOUSE_MASK(b, m) is m << ((b-1)*5) for NCURSES_MOUSE_VERSION 2
  // (curses.h "mouse interface"); version 1 used 6 bits per button.
  private static let bitsPerButton: UInt32 = NCURSES_MOUSE_VERSION > 1 ? 5 : 6
  private static func mouseMask(button: UInt32, _ event: UInt32) -> UInt32 {
    event << ((button - 1) * bitsPerButton)
  }
  private static let pressed: UInt32 = 0o2
  private static let clicked: UInt32 = 0o4
  static let clickMask = mouseMask(button: 1, pressed) | mouseMask(button: 1, clicked)
  static let wheelUpMask = mouseMask(button: 4, pressed)
  static let wheelDownMask = mouseMask(button: 5, pressed)
  static let reportedMouseEvents = clickMask | wheelUpMask | wheelDownMask

  /// One attribute word per style: colour pair plus bold/dim/reverse/underline.
  private static func buildAttributes(palette: Palette, defaultBackground: Bool) -> [Int32] {
    var pairOf: [Int: Int32] = [:]
    if palette.mode != .monochrome {
      let background: Int16 = defaultBackground ? -1 : Int16(COLOR_BLACK)
      let limit = Int(lsc_color_pairs()) - 1
      for (index, color) in palette.foregroundColors.enumerated() where index < limit {
        let pair = Int32(index + 1)
        init_pair(Int16(pair), Int16(color), background)
        pairOf[color] = pair
      }
    }
    return CellStyle.allStyles.map { style in
      let a = palette.attributes(for: style)
      var word = lsc_attr_normal()
      if let pair = pairOf[a.foreground] { word |= lsc_color_pair(pair) }
      if a.bold { word |= lsc_attr_bold() }
      if a.dim { word |= lsc_attr_dim() }
      if a.reverse { word |= lsc_attr_reverse() }
      if a.underline { word |= lsc_attr_underline() }
      return word
    }
  }
}
