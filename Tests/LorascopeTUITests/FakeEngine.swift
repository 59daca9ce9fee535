import LorascopeTUI

/// The engine as a mailbox that records commands and serves a snapshot the
/// test sets.
final class FakeEngine: DashboardEngine {
  private(set) var commands: [EngineCommand] = []
  var current: DashboardSnapshot {
    didSet { snapshotVersion += 1 }
  }
  private(set) var snapshotVersion: UInt64 = 1

  init(_ snapshot: DashboardSnapshot = DashboardFixture.snapshot()) {
    current = snapshot
  }

  func send(_ command: EngineCommand) { commands.append(command) }
  func snapshot() -> DashboardSnapshot { current }

  func clear() { commands.removeAll() }
}
