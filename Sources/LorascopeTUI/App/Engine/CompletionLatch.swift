import Dispatch
import Synchronization

/// Says once, for every waiter after, that a thread has finished.
///
/// A bare `DispatchSemaphore` signalled at the end of a thread is one-shot: the first successful
/// `wait` consumes the signal and every later `wait` sleeps out its whole timeout. `stop` is
/// called twice on quit (a short wait, then a long one while a spectrum finishes), so a second
/// wait must see a completion the first one already observed.
final class CompletionLatch: Sendable {
  private let finished = Atomic<Bool>(false)
  private let signalled = DispatchSemaphore(value: 0)

  /// Marks the thread finished and wakes a waiter (called once, at the thread's end).
  func markFinished() {
    finished.store(true, ordering: .releasing)
    signalled.signal()
  }

  var isFinished: Bool { finished.load(ordering: .acquiring) }

  /// Waits up to `seconds` for `markFinished`; returns at once when it already happened.
  func wait(upTo seconds: Double) -> Bool {
    if isFinished { return true }
    guard signalled.wait(timeout: .now() + max(0, seconds)) == .success else { return isFinished }
    // Pass the wake-up on, so a concurrent waiter does not sleep out its timeout either.
    signalled.signal()
    return true
  }
}
