import Dispatch
import Synchronization

/// The UI → engine mailbox: a lock-protected queue, and a semaphore that wakes
/// the engine thread when it waits for work (paused). `send` never blocks on
/// training: it only appends under a short lock.
final class CommandInbox: Sendable {
  private let queue = Mutex<[EngineCommand]>([])
  private let wakeUp = DispatchSemaphore(value: 0)

  func send(_ command: EngineCommand) {
    queue.withLock { $0.append(command) }
    wakeUp.signal()
  }

  /// Every queued command, oldest first; the queue is left empty.
  func takeAll() -> [EngineCommand] {
    queue.withLock { commands in
      defer { commands.removeAll() }
      return commands
    }
  }

  /// Waits until a command arrives or `seconds` pass.
  func wait(seconds: Double) {
    _ = wakeUp.wait(timeout: .now() + seconds)
  }
}
