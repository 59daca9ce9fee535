import Testing

@testable import LorascopeTUI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("TerminalGuard", .serialized)
struct TerminalGuardTests {
  /// TERM=dumb showed a blank screen: it is refused like an unknown TERM, before the terminal
  /// (or any signal handler) is touched.
  @Test func dumbTerminalIsRefused() throws {
    #expect(!NcursesScreen.termCanDraw("dumb") && !NcursesScreen.termCanDraw("") && !NcursesScreen.termCanDraw("unknown"))
    #expect(NcursesScreen.termCanDraw("xterm-256color") && NcursesScreen.termCanDraw("vt100"))
    let saved = getenv("TERM").map { String(cString: $0) }
    setenv("TERM", "dumb", 1)
    defer { if let saved { setenv("TERM", saved, 1) } else { unsetenv("TERM") } }
    #expect(throws: TerminalError.cannotInitialize(term: "dumb")) { _ = try NcursesScreen() }
  }

  /// A descriptor held in a temporary file gets its bytes back, in order, on release.
  @Test func heldDescriptorIsReplayedOnRelease() throws {
    var template = Array("/tmp/lorascope-guard-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    try #require(fd >= 0)
    // A second descriptor on the same file reads what really reached it.
    let reader = template.withUnsafeBufferPointer { open($0.baseAddress!, O_RDONLY) }
    try #require(reader >= 0)
    defer {
      close(fd)
      close(reader)
      template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }
    func contents() -> String {
      var bytes = [UInt8](repeating: 0, count: 256)
      let n = pread(reader, &bytes, bytes.count, 0)
      return String(decoding: bytes.prefix(max(0, n)), as: UTF8.self)
    }
    _ = write(fd, "before ", 7)
    let hold = try #require(DescriptorHold.begin(holding: fd))
    _ = write(fd, "while curses runs", 17)
    #expect(contents() == "before ")  // held back, not on the real target
    hold.end()
    #expect(contents() == "before while curses runs")
    _ = write(fd, ".", 1)
    #expect(contents() == "before while curses runs.")
  }

  /// The handler only records the signal; the UI loop takes it once.
  @Test func terminationSignalSetsAFlagTheLoopTakes() {
    TerminalGuard.installTerminationHandlers(for: [SIGUSR1])
    _ = TerminalGuard.takeTerminationSignal()
    #expect(!TerminalGuard.terminationRequested)
    // kill, not raise: test threads may block signals, the process delivers
    // it to a thread that does not.
    kill(getpid(), SIGUSR1)
    for _ in 0..<200 where !TerminalGuard.terminationRequested { usleep(5_000) }
    #expect(TerminalGuard.terminationRequested)
    #expect(TerminalGuard.takeTerminationSignal() == SIGUSR1)
    #expect(TerminalGuard.takeTerminationSignal() == nil)
    signal(SIGUSR1, SIG_DFL)
  }

  @Test func engineThreadsCanBlockTheTerminalSignals() {
    var before = sigset_t()
    pthread_sigmask(SIG_BLOCK, nil, &before)
    defer { pthread_sigmask(SIG_SETMASK, &before, nil) }
    TerminalGuard.blockTerminalSignalsInCurrentThread()
    var now = sigset_t()
    pthread_sigmask(SIG_BLOCK, nil, &now)
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGWINCH] { #expect(sigismember(&now, signal) == 1) }
  }

  @Test func restoreWithoutCursesIsHarmless() {
    TerminalGuard.restore()
    TerminalGuard.restore()
  }

  @Test func controlBytesBecomeKeys() {
    #expect(NcursesScreen.characterEvent(27) == .named(.escape))
    #expect(NcursesScreen.characterEvent(10) == .named(.enter))
    #expect(NcursesScreen.characterEvent(127) == .named(.backspace))
    #expect(NcursesScreen.characterEvent(12) == .named(.ctrlL))
    #expect(NcursesScreen.characterEvent(3) == .named(.ctrlC))
    #expect(NcursesScreen.characterEvent(1) == nil)
    #expect(NcursesScreen.characterEvent(0x3BB) == .char("λ"))
    // ncurses mouse masks (NCURSES_MOUSE_VERSION 2): 5 bits per button.
    #expect(NcursesScreen.wheelUpMask == 0o2 << 15)
    #expect(NcursesScreen.wheelDownMask == 0o2 << 20)
  }
}
