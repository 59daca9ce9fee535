import Dispatch

/// Optimizer steps per second over the last `window` seconds (the header's
/// steps/s): a short memory so the figure follows pauses and phase changes.
struct StepRate {
  let window: Double
  private var times: [UInt64] = []

  init(window: Double = 2) {
    self.window = window
  }

  /// Records a step that finished at `now` (monotonic nanoseconds).
  mutating func record(at now: UInt64 = DispatchTime.now().uptimeNanoseconds) {
    times.append(now)
    let horizon = now > UInt64(window * 1e9) ? now - UInt64(window * 1e9) : 0
    if let keep = times.firstIndex(where: { $0 >= horizon }), keep > 0 { times.removeFirst(keep) }
  }

  /// Forgets the past (after a pause the old rate means nothing).
  mutating func reset() { times.removeAll() }

  /// Steps per second, or `nil` with fewer than two recent steps.
  func perSecond(now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Double? {
    guard times.count >= 2, let first = times.first, let last = times.last, last > first else { return nil }
    // Stale: nothing for a whole window means the rate is 0, not the old figure.
    if now > last && Double(now - last) / 1e9 > window { return nil }
    return Double(times.count - 1) / (Double(last - first) / 1e9)
  }
}
