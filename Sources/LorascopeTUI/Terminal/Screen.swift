/// Something widgets can draw on: a grid of styled cells.
///
/// `CellBuffer` (in memory) and every `Screen` conform, so a widget is tested
/// against a buffer and drawn on the terminal by the same code (Docs/Design.md §B.5).
/// Writes outside the grid are clipped, never an error.
public protocol Canvas {
  /// The grid's size in cells.
  var size: TerminalSize { get }
  /// Writes `text` from (row, col) to the right, one cell per character (two
  /// for East Asian wide ones), cut at the right edge.
  mutating func put(row: Int, col: Int, text: String, style: CellStyle)
  /// Fills `rect` with `character` in `style`.
  mutating func fill(_ rect: Rect, with character: Character, style: CellStyle)
}

extension Canvas {
  /// Writes `text` at (row, col) but never past the right edge of `bounds`
  /// and only when `row` lies inside `bounds`. Returns the number of cells written.
  @discardableResult
  public mutating func put(
    row: Int, col: Int, text: String, style: CellStyle, clippedTo bounds: Rect
  ) -> Int {
    guard row >= bounds.row, row < bounds.bottom, col < bounds.right else { return 0 }
    var visible = text
    var start = col
    if col < bounds.col {  // drop the cells left of the bounds
      let skip = bounds.col - col
      var skipped = 0
      var rest = String.UnicodeScalarView()
      for scalar in text.unicodeScalars {
        if skipped < skip { skipped += DisplayWidth.of(scalar); continue }
        rest.append(scalar)
      }
      visible = String(rest)
      start = bounds.col + max(0, skipped - skip)
    }
    let cut = DisplayWidth.prefix(visible, fitting: bounds.right - start)
    put(row: row, col: start, text: cut, style: style)
    return DisplayWidth.of(cut)
  }

  /// Clears `rect` to spaces in the normal style.
  public mutating func clear(_ rect: Rect) {
    fill(rect, with: " ", style: .normal)
  }
}

/// The backend seam between the app and the terminal (Docs/Design.md §B.5).
///
/// `NcursesScreen` talks to the real terminal, `GridScreen` records frames in
/// memory for tests. A frame is `beginFrame()`, drawing, then `flush()`; only
/// the thread that created the screen may use it (ncurses is not thread-safe).
public protocol Screen: AnyObject, Canvas {
  /// Starts a new frame: the back buffer becomes blank (ncurses `erase`,
  /// never `clear`, so nothing flickers).
  func beginFrame()
  /// Shows the frame drawn since `beginFrame()` (ncurses: `wnoutrefresh` and
  /// one `doupdate`, which sends only the cells that changed).
  func flush()
  /// Waits up to `timeoutMS` milliseconds (0 = poll, negative = forever) for
  /// the next input event; `nil` when none arrived in time.
  func nextEvent(timeoutMS: Int) -> TerminalEvent?
  /// Makes the next `flush()` redraw every cell (Ctrl-L after a tmux reattach).
  func repaintAll()
  /// Whether mouse clicks and the wheel are reported. Off lets the user select
  /// terminal text again (Docs/Design.md §B.4 "mouse").
  var mouseEnabled: Bool { get set }
  /// The glyphs this screen can show (braille, block or ASCII).
  var glyphs: GlyphSet { get }
}

extension Screen {
  /// Draws one whole frame: `beginFrame()`, then `draw` on this screen, then
  /// `flush()`. Widgets take `inout some Canvas`, so the closure passes `&$0`:
  ///
  ///     screen.frame { canvas in
  ///       LineChart(series: curves).draw(into: &canvas, rect: area, glyphs: screen.glyphs)
  ///     }
  public func frame(_ draw: (inout Self) -> Void) {
    beginFrame()
    var canvas = self
    draw(&canvas)
    flush()
  }
}
