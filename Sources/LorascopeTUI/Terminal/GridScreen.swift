/// A `Screen` that lives in memory: the test double for `NcursesScreen`.
///
/// It keeps a back buffer that widgets draw on and a `visible` buffer that
/// `flush()` copies it to, like a terminal would show it; input events are
/// queued by the test with `enqueue(_:)`. Counters record flushes and full
/// repaints so the app's frame logic can be tested too.
public final class GridScreen: Screen {
  /// The frame being drawn.
  public private(set) var buffer: CellBuffer
  /// The last flushed frame: what a user would see.
  public private(set) var visible: CellBuffer
  /// Number of `flush()` calls so far.
  public private(set) var flushCount = 0
  /// Number of `repaintAll()` calls so far.
  public private(set) var repaintCount = 0
  public var mouseEnabled: Bool
  public let glyphs: GlyphSet
  private var pending: [TerminalEvent] = []

  public init(size: TerminalSize, glyphs: GlyphSet = .braille, mouseEnabled: Bool = false) {
    buffer = CellBuffer(size: size)
    visible = CellBuffer(size: size)
    self.glyphs = glyphs
    self.mouseEnabled = mouseEnabled
  }

  public var size: TerminalSize { buffer.size }

  public func put(row: Int, col: Int, text: String, style: CellStyle) {
    buffer.put(row: row, col: col, text: text, style: style)
  }

  public func fill(_ rect: Rect, with character: Character, style: CellStyle) {
    buffer.fill(rect, with: character, style: style)
  }

  public func beginFrame() { buffer.reset() }

  public func flush() {
    visible = buffer
    flushCount += 1
  }

  public func repaintAll() { repaintCount += 1 }

  /// Returns the oldest queued event; the timeout is ignored (tests never wait).
  public func nextEvent(timeoutMS: Int) -> TerminalEvent? {
    pending.isEmpty ? nil : pending.removeFirst()
  }

  /// Queues an input event for `nextEvent`. Mouse events are dropped while the
  /// mouse is off, as a terminal without mouse reporting would.
  public func enqueue(_ event: TerminalEvent) {
    if case .mouse = event, !mouseEnabled { return }
    pending.append(event)
  }

  /// Simulates the terminal being resized: the grid changes size, blanks, and a
  /// `.resize` event is queued.
  public func resize(to newSize: TerminalSize) {
    buffer.resize(to: newSize)
    visible.resize(to: newSize)
    pending.append(.resize(newSize))
  }
}
