import CNcursesw
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Process-wide state touched from signal handlers. Atomics from the
// Synchronization module are lock-free, hence safe in a handler (Docs/Design.md §B.2
// pitfall 9). Globals are initialized lazily, so `TerminalGuard.install()`
// reads each one before any handler can run.

/// The last SIGINT/SIGTERM/SIGHUP received and not yet taken by the UI loop (0 = none).
private let pendingSignal = Atomic<Int32>(0)
/// How many termination signals arrived since the UI last took one.
private let unansweredSignals = Atomic<Int32>(0)
/// `true` between `initscr` and the one `endwin`.
private let cursesActive = Atomic<Bool>(false)
/// `true` once the handlers and the atexit hook are in place.
private let guardInstalled = Atomic<Bool>(false)
/// The held stderr: the descriptor it was saved to and the temporary file (-1 = not held).
private let heldStderrSaved = Atomic<Int32>(-1)
private let heldStderrTemp = Atomic<Int32>(-1)

/// Restores the terminal in every way a process can end (Docs/Design.md §7 "the
/// terminal is restored on exit, on Ctrl-C and on errors"; Docs/Design.md §B.2 pitfalls
/// 9 and 12, htop `CRT.c`).
///
/// - SIGINT, SIGTERM and SIGHUP get our own handlers, installed before
///   `initscr` so that ncurses leaves them alone. They only set an atomic flag
///   that the UI loop polls (`takeTerminationSignal()`); a third signal that
///   the loop never answered restores the terminal and exits (a hung app
///   can still be left with Ctrl-C).
/// - An `atexit` hook calls `endwin` exactly once.
/// - SIGSEGV, SIGABRT, SIGBUS, SIGILL and SIGFPE (Swift traps raise SIGILL)
///   restore the terminal, replay the held stderr, then re-raise the signal
///   with its default action, so the crash still reports and dumps core.
/// - stderr is redirected to an unlinked temporary file while curses runs and
///   replayed after `endwin`, so a message printed meanwhile is neither lost
///   nor smeared over the screen.
public enum TerminalGuard {
  /// The signals that ask lorascope to finish up.
  public static let terminationSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  /// The signals after which the process cannot go on.
  public static let fatalSignals: [Int32] = [SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE]
  /// Unanswered termination signals after which the guard exits by itself.
  public static let forcedExitAfter: Int32 = 3

  /// Installs the signal handlers and the atexit hook; call it before
  /// `initscr`. Calling it again does nothing.
  public static func install() {
    touchGlobals()
    guard !guardInstalled.exchange(true, ordering: .acquiringAndReleasing) else { return }
    installTerminationHandlers(for: terminationSignals)
    for signal in fatalSignals {
      setHandler(signal, fatalSignalHandler, flags: Int32(bitPattern: UInt32(SA_RESETHAND) | UInt32(SA_NODEFER)))
    }
    atexit { TerminalGuard.restore() }
  }

  /// Records that curses now owns the terminal and starts holding stderr.
  public static func cursesDidStart() {
    touchGlobals()
    cursesActive.store(true, ordering: .releasing)
    holdStderr()
  }

  /// Ends curses (once, however often it is called) and replays the held
  /// stderr. Safe to call when curses never started.
  public static func restore() {
    if cursesActive.exchange(false, ordering: .acquiringAndReleasing) {
      endwin()
    }
    releaseStderr()
  }

  /// The termination signal that arrived since the last call, if any; taking
  /// it resets the forced-exit count.
  public static func takeTerminationSignal() -> Int32? {
    unansweredSignals.store(0, ordering: .relaxed)
    let signal = pendingSignal.exchange(0, ordering: .acquiringAndReleasing)
    return signal == 0 ? nil : signal
  }

  /// Blocks SIGINT, SIGTERM, SIGHUP and SIGWINCH in the calling thread, so
  /// they reach the UI thread that waits in `get_wch` (btop's runner does the
  /// same; Docs/Design.md §B.2 pitfall 10). Call it first thing in the engine thread.
  public static func blockTerminalSignalsInCurrentThread() {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in terminationSignals + [SIGWINCH] { sigaddset(&set, signal) }
    _ = pthread_sigmask(SIG_BLOCK, &set, nil)
  }

  /// `true` while a termination signal waits to be taken.
  public static var terminationRequested: Bool {
    pendingSignal.load(ordering: .acquiring) != 0
  }

  // MARK: - Implementation details

  /// Installs the flag-setting handler for `signals` (tests pass a harmless one).
  static func installTerminationHandlers(for signals: [Int32]) {
    touchGlobals()
    for signal in signals { setHandler(signal, terminationSignalHandler, flags: 0) }
  }

  /// Forces the lazy initialization of every global a handler reads.
  private static func touchGlobals() {
    _ = pendingSignal.load(ordering: .relaxed)
    _ = unansweredSignals.load(ordering: .relaxed)
    _ = cursesActive.load(ordering: .relaxed)
    _ = guardInstalled.load(ordering: .relaxed)
    _ = heldStderrSaved.load(ordering: .relaxed)
    _ = heldStderrTemp.load(ordering: .relaxed)
  }

  /// No SA_RESTART: a signal interrupts `get_wch`, so the UI sees it at once.
  private static func setHandler(
    _ signal: Int32, _ handler: @convention(c) (Int32) -> Void, flags: Int32
  ) {
    var action = sigaction()
    #if os(Linux)
      action.__sigaction_handler.sa_handler = handler
    #else
      action.__sigaction_u.__sa_handler = handler
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = flags
    _ = sigaction(signal, &action, nil)
  }

  private static func holdStderr() {
    guard heldStderrTemp.load(ordering: .acquiring) < 0,
      let hold = DescriptorHold.begin(holding: STDERR_FILENO)
    else { return }
    heldStderrSaved.store(hold.saved, ordering: .releasing)
    heldStderrTemp.store(hold.temporary, ordering: .releasing)
  }

  /// Async-signal-safe: only `dup2`, `lseek`, `read`, `write` and `close`.
  fileprivate static func releaseStderr() {
    let temporary = heldStderrTemp.exchange(-1, ordering: .acquiringAndReleasing)
    let saved = heldStderrSaved.exchange(-1, ordering: .acquiringAndReleasing)
    guard temporary >= 0, saved >= 0 else { return }
    DescriptorHold(target: STDERR_FILENO, saved: saved, temporary: temporary).end()
  }

  fileprivate static func recordTerminationSignal(_ signal: Int32) {
    pendingSignal.store(signal, ordering: .releasing)
    let count = unansweredSignals.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
    if count >= forcedExitAfter {
      restoreFromSignal()
      _exit(128 + signal)
    }
  }

  /// The restore path inside a signal handler. `endwin` is not formally
  /// async-signal-safe, but it only writes the terminal's reset sequences;
  /// htop and btop do the same, and a broken terminal is the worse outcome.
  fileprivate static func restoreFromSignal() {
    if cursesActive.exchange(false, ordering: .acquiringAndReleasing) {
      endwin()
    }
    releaseStderr()
  }
}

private let terminationSignalHandler: @convention(c) (Int32) -> Void = { signal in
  TerminalGuard.recordTerminationSignal(signal)
}

/// SA_RESETHAND has put back the default action, so `raise` ends the process
/// the way the signal would have (a core dump for SIGSEGV, the Swift trap report).
private let fatalSignalHandler: @convention(c) (Int32) -> Void = { signal in
  TerminalGuard.restoreFromSignal()
  raise(signal)
}

/// A file descriptor redirected into an unlinked temporary file, and put back
/// with its captured bytes replayed (htop `CRT_redirectStderr`/`dumpStderr`).
struct DescriptorHold: Equatable {
  /// The descriptor that was redirected (2 for stderr).
  let target: Int32
  /// A duplicate of the original `target`.
  let saved: Int32
  /// The temporary file that receives the writes meanwhile.
  let temporary: Int32

  /// Redirects `target` into a new temporary file; `nil` when that fails
  /// (then nothing changed).
  static func begin(holding target: Int32) -> DescriptorHold? {
    let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array("\(directory)/lorascope-stderr-XXXXXX".utf8CString)
    let temporary = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
      guard let base = buffer.baseAddress else { return -1 }
      let fd = mkstemp(base)
      if fd >= 0 { unlink(base) }  // the file vanishes with the process
      return fd
    }
    guard temporary >= 0 else { return nil }
    let saved = dup(target)
    guard saved >= 0, dup2(temporary, target) >= 0 else {
      if saved >= 0 { close(saved) }
      close(temporary)
      return nil
    }
    return DescriptorHold(target: target, saved: saved, temporary: temporary)
  }

  /// Puts `target` back and copies what was written meanwhile to it.
  /// Async-signal-safe (no allocation beyond a small stack buffer).
  func end() {
    _ = dup2(saved, target)
    close(saved)
    _ = lseek(temporary, 0, SEEK_SET)
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 512) { buffer in
      guard let base = buffer.baseAddress else { return }
      while true {
        let n = read(temporary, base, buffer.count)
        if n <= 0 { break }
        var offset = 0
        while offset < n {
          let written = write(target, base + offset, n - offset)
          if written <= 0 { break }
          offset += written
        }
        if offset < n { break }
      }
    }
    close(temporary)
  }
}
