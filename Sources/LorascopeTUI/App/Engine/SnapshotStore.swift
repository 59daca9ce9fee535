import Synchronization

/// The published snapshot behind a lock, plus a version counter the UI polls
/// without taking the lock (Docs/Design.md §B.5: `Mutex<Snapshot>` and an atomic).
///
/// The engine thread and the spectrum worker each change their own fields
/// through `update`; every update bumps the version, so the UI redraws only
/// when something changed.
final class SnapshotStore: Sendable {
  private let current: Mutex<DashboardSnapshot>
  private let counter = Atomic<UInt64>(0)

  init(_ initial: DashboardSnapshot) {
    current = Mutex(initial)
  }

  /// Grows by one per update.
  var version: UInt64 { counter.load(ordering: .acquiring) }

  /// A copy of the snapshot (arrays inside are shared copy-on-write, so this
  /// is cheap and never blocks for long).
  func read() -> DashboardSnapshot {
    current.withLock { $0 }
  }

  /// Changes the snapshot under the lock and bumps the version.
  func update(_ change: (inout DashboardSnapshot) -> Void) {
    current.withLock { change(&$0) }
    counter.add(1, ordering: .releasing)
  }
}
