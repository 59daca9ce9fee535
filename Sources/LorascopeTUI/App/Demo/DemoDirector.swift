import Dispatch

/// Runs a `DemoScript` on the UI thread: tells the engine where to stop,
/// and when it stopped at a cue applies the cue's actions and shows its
/// caption; Space goes on. A caption that does not wait fades after
/// `lingerSeconds`.
///
/// The engine itself pauses at the cue positions (`EngineCommand.setCues`),
/// so a cue is exact to the step however fast training runs.
public struct DemoDirector: Sendable {
  public let script: DemoScript
  /// How long a caption that does not wait stays on screen.
  public static let lingerSeconds = 8.0
  private var handledSerial = 0
  private var shownAt: UInt64?

  public init(script: DemoScript) {
    self.script = script
  }

  /// What to send first: the cue positions, then run.
  public func startCommands() -> [EngineCommand] {
    [.setCues(script.cues.map(\.position)), .run]
  }

  /// Applies the cue the engine stopped at, if `snapshot` shows a new one.
  public mutating func observe(
    _ snapshot: DashboardSnapshot, state: inout DashboardState,
    now: UInt64 = DispatchTime.now().uptimeNanoseconds
  ) -> [UIEffect] {
    guard let stop = snapshot.cue, stop.serial > handledSerial, stop.index < script.cues.count else { return [] }
    handledSerial = stop.serial
    let cue = script.cues[stop.index]
    var effects: [UIEffect] = []
    if let lambda = cue.lambda { effects += state.setLambda(lambda) }
    switch cue.show {
    case .matrix: state.showMatrix = true
    case .metrics: state.showMatrix = false
    case .heatmap: state.penaltyView = .heatmap
    case .bars: state.penaltyView = .bars
    case nil: break
    }
    if cue.recomputeSpectrum { effects.append(.engine(.spectrum(state.spectrumRequest(fresh: true)))) }
    state.caption = DemoCaption(text: cue.say, index: stop.index + 1, total: script.cues.count, waiting: cue.pause)
    shownAt = now
    if !cue.pause { effects.append(.engine(.run)) }
    return effects
  }

  /// Space at a waiting caption: hide it and run on.
  public mutating func continueTour(state: inout DashboardState) -> [UIEffect] {
    state.caption = nil
    shownAt = nil
    return [.engine(.run)]
  }

  /// Hides a caption that does not wait once it has been read; returns
  /// whether the screen changed.
  public mutating func tick(state: inout DashboardState, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
    guard let caption = state.caption, !caption.waiting, let shownAt,
      Double(now &- shownAt) / 1e9 >= DemoDirector.lingerSeconds
    else { return false }
    state.caption = nil
    self.shownAt = nil
    return true
  }
}
