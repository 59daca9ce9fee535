import Dispatch
import Foundation
import Synchronization

/// The helper threads behind `Parallel.forIndexedChunks` (Docs/Architecture.md "Threading").
///
/// A training step opens 147 (full) or 119 (LoRA + PESO) parallel regions (counted on `bench`'s
/// steps), most of them a few hundred microseconds long. `DispatchQueue.concurrentPerform` let
/// its worker sleep between them and paid a wake-up at every region. These helpers wait for the
/// next region by spinning for `spinBudgetNanoseconds`, and only then sleep, so inside a step
/// they stay awake: the LoRA + PESO step runs 10 % faster (Docs/BenchLog.md "Helper threads").
///
/// The caller takes chunks too, and chunks are claimed one at a time, so a helper that is slow
/// to wake only means the caller does more of the chunks itself. Which thread runs a chunk never
/// changes what the chunk computes: results are the same as one after another.
final class CorePool: @unchecked Sendable {
  /// One helper per core besides the caller's.
  static let shared = CorePool(helpers: Parallel.workers - 1)

  /// How long an idle helper spins before it sleeps: longer than the serial code between two
  /// regions of a step, short enough that a pause in the work costs little.
  static let spinBudgetNanoseconds: UInt64 = 200_000

  /// The current region in one word, so that a claim is one compare-and-swap:
  /// generation (32 bits) | chunk count (16 bits) | next unclaimed chunk (16 bits).
  private let region = Atomic<UInt64>(0)
  /// Chunks of the current region that have finished.
  private let finished = Atomic<Int>(0)
  /// Whether a caller owns the pool: a second caller (another thread, or a chunk that opens a
  /// region of its own) runs its chunks itself instead.
  private let owned = Atomic<Bool>(false)
  /// The current region's work; written only by the owner, before the region is published.
  private nonisolated(unsafe) var work: ((Int) -> Void)?
  private let helpers: [Helper]

  private final class Helper: @unchecked Sendable {
    let sleeping = Atomic<Bool>(false)
    let wake = DispatchSemaphore(value: 0)
  }

  init(helpers count: Int) {
    helpers = (0..<max(0, count)).map { _ in Helper() }
    for helper in helpers {
      let thread = Thread { [unowned self] in self.serve(helper) }
      thread.stackSize = 8 << 20
      thread.name = "lorascope core"
      thread.start()
    }
  }

  /// Runs `body(c)` for c in 0..<chunks on the caller and the helpers and returns true, or
  /// returns false at once, having run nothing, when another caller owns the pool.
  func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
    precondition(chunks > 0 && chunks < 1 << 16, "chunk count \(chunks) out of range")
    guard !helpers.isEmpty,
      owned.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else { return false }
    defer { owned.store(false, ordering: .releasing) }
    withoutActuallyEscaping(body) { body in
      work = body
      finished.store(0, ordering: .relaxed)
      // Only the owner changes the generation bits (a claim adds to the low ones).
      let generation = ((region.load(ordering: .relaxed) >> 32) + 1) & 0xFFFF_FFFF
      // Sequentially consistent with the helpers' `sleeping` flag: a helper either sees this
      // region before it sleeps, or this caller sees it asleep and wakes it.
      region.store(generation << 32 | UInt64(chunks) << 16, ordering: .sequentiallyConsistent)
      for helper in helpers where helper.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
        helper.wake.signal()
      }
      claimChunks()
      var spins = 0
      while finished.load(ordering: .acquiring) < chunks { CorePool.pause(&spins) }
      work = nil
    }
    return true
  }

  /// Claims and runs chunks of the published region until none is left unclaimed. A claim can
  /// only succeed on the live region: the owner publishes the next one only after every chunk
  /// of this one has finished.
  private func claimChunks() {
    var word = region.load(ordering: .acquiring)
    while true {
      let next = word & 0xFFFF, count = (word >> 16) & 0xFFFF
      guard next < count else { return }
      let (claimed, current) = region.compareExchange(
        expected: word, desired: word + 1, ordering: .acquiringAndReleasing)
      if claimed {
        runChunk(Int(next))
        finished.add(1, ordering: .releasing)
        word = region.load(ordering: .acquiring)
      } else {
        word = current
      }
    }
  }

  /// Its own function so that the helper's reference to `work` is released before the chunk
  /// counts as finished (`withoutActuallyEscaping` checks that nothing kept the body).
  @inline(never)
  private func runChunk(_ c: Int) {
    // Safe unwrap: a chunk is claimed only from a published region, whose work is set.
    work!(c)
  }

  /// A helper's life: wait for a region of a newer generation, spinning, then sleeping.
  private func serve(_ helper: Helper) {
    CorePool.blockAsynchronousSignals()
    var seen: UInt64 = 0
    while true {
      seen = waitForRegion(after: seen, helper)
      claimChunks()
    }
  }

  /// Signals sent to the process (Ctrl-C, a terminal resize) go to a thread that does not block
  /// them; helpers are created by whichever thread first splits work, so they block every signal
  /// but the ones a faulting instruction raises itself, as Dispatch's worker threads do. The
  /// screen's thread, which waits for keys, then gets SIGWINCH and SIGINT (Docs/Design.md §7).
  static func blockAsynchronousSignals() {
    var set = sigset_t()
    sigfillset(&set)
    for signal in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { sigdelset(&set, signal) }
    _ = pthread_sigmask(SIG_BLOCK, &set, nil)
  }

  /// One turn of a wait loop: a few bare checks, then `sched_yield` at every turn, so that a
  /// waiting thread gives its core to any other runnable thread. When more threads than cores
  /// are busy (two processes on two cores, say), a spinning wait would hold a core that the
  /// awaited thread needs; alone, a yield returns at once. (Measured in Docs/BenchLog.md
  /// "Helper threads": with bare spinning two processes on two cores took 16 % longer than with
  /// Dispatch, with a yield after 64 turns as long, after 1,024 turns 5 % longer.)
  @inline(__always)
  static func pause(_ spins: inout Int) {
    spins += 1
    if spins > 64 { sched_yield() }
  }

  private func waitForRegion(after seen: UInt64, _ helper: Helper) -> UInt64 {
    var spins = 0
    var deadline = DispatchTime.now().uptimeNanoseconds + CorePool.spinBudgetNanoseconds
    while true {
      let current = region.load(ordering: .acquiring) >> 32
      if current != seen { return current }
      CorePool.pause(&spins)
      guard spins & 255 == 0, DispatchTime.now().uptimeNanoseconds > deadline else { continue }
      helper.sleeping.store(true, ordering: .sequentiallyConsistent)
      if region.load(ordering: .sequentiallyConsistent) >> 32 != seen {
        // A region came in between: take the flag back, or consume the wake-up the owner sent.
        if !helper.sleeping.exchange(false, ordering: .sequentiallyConsistent) { helper.wake.wait() }
        continue
      }
      helper.wake.wait()
      deadline = DispatchTime.now().uptimeNanoseconds + CorePool.spinBudgetNanoseconds
    }
  }
}
