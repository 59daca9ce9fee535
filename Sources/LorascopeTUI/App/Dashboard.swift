import Foundation
import LorascopeEngine

/// Opens the screen on a run: the one entry point the command line uses
/// (`lorascope`, `lorascope tui`, `lorascope demo`).
public enum Dashboard {
  /// How to open the screen.
  public struct Options: Sendable {
    public var screen: NcursesScreen.Options
    /// Start training at once (the backbone pretraining is part of the show).
    public var startRunning: Bool
    /// The guided tour, for `lorascope demo`.
    public var demo: DemoScript?

    public init(screen: NcursesScreen.Options = .init(), startRunning: Bool = true, demo: DemoScript? = nil) {
      self.screen = screen
      self.startRunning = startRunning
      self.demo = demo
    }
  }

  /// Runs the screen on `session` until the user quits and returns the exit
  /// status: 0 after q or Ctrl-C, 128 + n after signal n, 1 when the engine
  /// stopped on an error (its message is printed after the terminal is back).
  ///
  /// The terminal is taken over before training starts (a missing terminal is
  /// an error, not a run without a screen) and given back before waiting for
  /// the engine to finish its step.
  public static func run(session: ContinualSession, options: Options) throws -> Int32 {
    let engine = EngineController(session: session, startRunning: options.demo == nil && options.startRunning)
    let screen = try NcursesScreen(options: options.screen)
    engine.start()
    let app = DashboardApp(screen: screen, engine: engine, demo: options.demo)
    var status = app.run()
    screen.close()
    if !engine.stop(waitingUpTo: 0.5) {
      StandardStreams.writeError("lorascope: waiting for the engine to finish its current step or evaluation…\n")
      engine.stop(waitingUpTo: 30)
    }
    if let error = engine.snapshot().error {
      StandardStreams.writeError("lorascope: the engine stopped on an error: \(error.message)\n")
      if status == 0 { status = 1 }
    }
    return status
  }
}
