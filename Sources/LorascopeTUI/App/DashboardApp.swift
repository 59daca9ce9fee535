import Dispatch

/// The UI thread's event loop (Docs/Design.md §7; Docs/Design.md §B.4 "frame rate",
/// "resize", "threads").
///
/// It waits in `nextEvent` for at most the time to the next frame, takes the
/// engine's snapshot when its version changed, and redraws only when the
/// snapshot, an input or a resize changed something. Engine updates are drawn
/// at most `frameRate` times a second; a key is answered at once (unless a
/// frame went out less than `inputFrameGap` ago), so the screen never lags
/// the hand. It never waits for training: commands go through the engine's
/// mailbox. Only this thread touches the screen (ncurses is not thread-safe).
public final class DashboardApp<S: Screen> {
  /// The frame cap.
  public static var frameRate: Int { 30 }
  private static var frameInterval: UInt64 { 1_000_000_000 / UInt64(frameRate) }
  /// The shortest time between a frame and the one that answers a key.
  private static var inputFrameGap: UInt64 { 8_000_000 }

  public private(set) var state: DashboardState
  public private(set) var snapshot: DashboardSnapshot
  /// Frames drawn so far.
  public private(set) var framesDrawn = 0
  /// Set by `q`, Ctrl-C, SIGTERM: the loop ends with this exit status.
  public private(set) var exitStatus: Int32?

  private let screen: S
  private let engine: any DashboardEngine
  private var director: DemoDirector?
  private var hits: HitMap
  private var seenVersion: UInt64
  private var lastFrame: UInt64 = 0
  private var dirty = true
  /// An input is waiting to be shown (it may skip the frame cap).
  private var answeringInput = false

  public init(screen: S, engine: any DashboardEngine, demo: DemoScript? = nil, keyMap: KeyMap = .standard) {
    self.screen = screen
    self.engine = engine
    seenVersion = engine.snapshotVersion
    snapshot = engine.snapshot()
    state = DashboardState(
      run: snapshot.run, lambda: snapshot.strength.lambda, mouseEnabled: screen.mouseEnabled, keyMap: keyMap)
    director = demo.map(DemoDirector.init(script:))
    hits = HitMap(glyphs: screen.glyphs)
  }

  /// Runs until quit; returns the exit status (0, or 128 + the signal).
  public func run() -> Int32 {
    start()
    while exitStatus == nil { runOnce() }
    return exitStatus ?? 0
  }

  /// Sends the first commands: the tour's cues, or the first spectrum request.
  public func start() {
    if let director {
      for command in director.startCommands() { engine.send(command) }
    }
    engine.send(.spectrum(state.spectrumRequest(fresh: false)))
  }

  /// One pass of the loop: new snapshot, a frame if one is due, then input
  /// until the next frame.
  public func runOnce() {
    pollEngine()
    let now = DispatchTime.now().uptimeNanoseconds
    let sinceFrame = now &- lastFrame
    let gap = answeringInput ? DashboardApp.inputFrameGap : DashboardApp.frameInterval
    if dirty && sinceFrame >= gap {
      render()
      lastFrame = now
    }
    let wait = dirty ? gap &- min(sinceFrame, gap) : DashboardApp.frameInterval
    guard let event = screen.nextEvent(timeoutMS: max(1, Int(wait / 1_000_000))) else { return }
    handle(event)
    // Keys that arrived together (key repeat, a paste) are handled before the next frame.
    while exitStatus == nil, let more = screen.nextEvent(timeoutMS: 0) { handle(more) }
  }

  /// Takes the engine's snapshot if it changed and lets the tour react to it.
  public func pollEngine() {
    if var director {
      if director.tick(state: &state) { dirty = true }
      self.director = director
    }
    let version = engine.snapshotVersion
    guard version != seenVersion else { return }
    seenVersion = version
    snapshot = engine.snapshot()
    dirty = true
    apply(state.observe(snapshot))
    if var director {
      let effects = director.observe(snapshot, state: &state)
      self.director = director
      apply(effects)
    }
  }

  /// Applies one input event.
  public func handle(_ event: TerminalEvent) {
    apply(state.handle(event, snapshot: snapshot, hits: hits))
    dirty = true
    answeringInput = true
  }

  private func apply(_ effects: [UIEffect]) {
    for effect in effects {
      switch effect {
      case .engine(let command): engine.send(command)
      case .repaint: screen.repaintAll()
      case .setMouse(let on): screen.mouseEnabled = on
      case .continueDemo:
        if var director {
          let more = director.continueTour(state: &state)
          self.director = director
          apply(more)
        } else {
          engine.send(.run)
        }
      case .quit(let status): exitStatus = status
      }
    }
  }

  /// Draws one frame now.
  public func render() {
    if case .help(let page) = state.mode {
      let pages = HelpOverlay(keyMap: state.keyMap).pageCount(screen: screen.size, glyphs: screen.glyphs)
      if page >= pages { state.mode = .help(page: pages - 1) }
    }
    screen.beginFrame()
    var canvas = screen
    hits = DashboardRenderer.draw(state: state, snapshot: snapshot, into: &canvas, glyphs: screen.glyphs)
    screen.flush()
    framesDrawn += 1
    dirty = false
    answeringInput = false
  }
}
