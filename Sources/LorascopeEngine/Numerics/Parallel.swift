import Dispatch
import Foundation
import Synchronization

/// Splits the engine's work over the machine's cores: OpenBLAS runs one thread per call, and
/// the engine cuts its matmuls and the loops between them (norms, activations, softmax,
/// attention heads) into chunks that run on the caller and `CorePool`'s helpers.
public enum Parallel {
  /// Worker count: the active processors, at most 8.
  public static let workers = max(1, min(ProcessInfoCores.count, 8))

  /// Runs `body` on contiguous chunks of 0..<count, in parallel when the work is large enough.
  @inline(__always)
  public static func forChunks(_ count: Int, minChunk: Int = 64, _ body: (Range<Int>) -> Void) {
    forIndexedChunks(count, minChunk: minChunk) { _, range in body(range) }
  }

  /// How many chunks `forIndexedChunks(count, minChunk:)` makes (at least 1).
  @inline(__always)
  public static func chunkCount(_ count: Int, minChunk: Int = 64) -> Int {
    max(1, min(workers, count / max(minChunk, 1)))
  }

  /// `forChunks` that also passes each chunk's index in 0..<chunkCount(count, minChunk:), for
  /// per-chunk partial results that the caller then sums in index order (the same order every run).
  @inline(__always)
  public static func forIndexedChunks(_ count: Int, minChunk: Int = 64, _ body: (Int, Range<Int>) -> Void) {
    let chunks = chunkCount(count, minChunk: minChunk)
    if chunks <= 1 {
      body(0, 0..<count)
      return
    }
    StepPhaseClock.countRegion()
    // The chunks touch disjoint ranges of the caller's buffers, so sharing `body` is safe.
    if !isInline && CorePool.shared.run(chunks: chunks, { c in body(c, chunk(c, of: chunks, count: count)) }) {
      return
    }
    // Inline, or the cores are taken (a region opened inside a chunk, or by another thread): the
    // same chunks, one after another, so results do not depend on whether the cores split them.
    for c in 0..<chunks { body(c, chunk(c, of: chunks, count: count)) }
  }

  /// `forChunks` over 0..<costs.count in contiguous runs of nearly equal total cost: for items
  /// of unequal work, such as the attention of sequences of different lengths. One run per worker.
  public static func forChunks(balancing costs: [Int], _ body: (Range<Int>) -> Void) {
    let runs = balancedRuns(costs, chunks: chunkCount(costs.count, minChunk: 1))
    forIndexedChunks(runs.count, minChunk: 1) { _, indices in
      for r in indices { body(runs[r]) }
    }
  }

  /// 0..<costs.count cut into at most `chunks` contiguous runs: a run ends at the first item where
  /// the running cost reaches the next multiple of total/chunks; the last run takes the rest.
  static func balancedRuns(_ costs: [Int], chunks: Int) -> [Range<Int>] {
    let total = costs.reduce(0, +)
    var runs: [Range<Int>] = [], start = 0, running = 0
    for (i, cost) in costs.enumerated() {
      running += cost
      // Close the run once it reaches its share; the last run takes what is left.
      if i == costs.count - 1 || (runs.count < chunks - 1 && running * chunks >= total * (runs.count + 1)) {
        runs.append(start..<(i + 1))
        start = i + 1
      }
    }
    return runs
  }

  /// Chunk c of 0..<count cut into `chunks` contiguous, nearly equal ranges.
  @inline(__always)
  static func chunk(_ c: Int, of chunks: Int, count: Int) -> Range<Int> {
    (count * c / chunks)..<(count * (c + 1) / chunks)
  }
}

extension Parallel {
  /// Runs `body` with every `forChunks` / `forIndexedChunks` on the calling thread only, chunk
  /// after chunk (the same chunks as in parallel, so the same results). For work that is already
  /// spread over the cores at a coarser grain, such as one beam-search mini-batch per core: there
  /// the fine-grained splits would only wait on each other.
  public static func inline<T>(_ body: () throws -> T) rethrows -> T {
    let previous = pthread_getspecific(inlineKey)
    pthread_setspecific(inlineKey, inlineMark)
    defer { pthread_setspecific(inlineKey, previous) }
    return try body()
  }

  /// Runs `body(i)` for i in 0..<count, at most `width` at a time, each on its own thread and
  /// inline (one core) while another item runs beside it; an item left running alone at the end
  /// splits its later work over every core again. Either way it computes the same chunks, so
  /// every call gives exactly what it gives alone. For independent jobs too small to fill the
  /// cores one at a time, such as a sweep's runs, whose short batches split over cores only at a
  /// loss. With one item, or a width of 1, the items run one after another, each on every core.
  /// Items start in index order; once one fails no new item starts, and the error of the lowest
  /// failing index is rethrown after the running items finish.
  public static func sideBySide(_ count: Int, width: Int, _ body: @escaping (Int) throws -> Void) throws {
    guard count > 1 && width > 1 else {
      for i in 0..<count { try body(i) }
      return
    }
    let workers = min(width, count)
    let state = SideBySideState(workers: workers)
    // Each index runs once (taken under the lock), so sharing `body` is safe.
    nonisolated(unsafe) let work = body
    let finished = DispatchGroup()
    // Threads of their own, not `concurrentPerform`'s: Dispatch runs an apply nested in an
    // apply's iteration on that iteration's thread only, so a run left alone could never split
    // over the cores again.
    for _ in 0..<workers {
      finished.enter()
      let thread = Thread {
        running(in: state) {
          while let i = state.take(below: count) {
            do { try work(i) } catch { state.fail(i, error) }
          }
          state.workerDone()
        }
        finished.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    finished.wait()
    if let error = state.firstError { throw error }
  }

  /// Runs `body` as a worker of `state`: `isInline` on this thread asks the state whether
  /// another worker is still busy.
  static func running(in state: SideBySideState, _ body: () -> Void) {
    let previous = pthread_getspecific(inlineKey)
    pthread_setspecific(inlineKey, Unmanaged.passUnretained(state).toOpaque())
    defer { pthread_setspecific(inlineKey, previous) }
    body()
  }

  /// Whether the calling thread is inside `inline`, or runs an item of `sideBySide` while another
  /// item runs beside it.
  public static var isInline: Bool {
    guard let value = pthread_getspecific(inlineKey) else { return false }
    if value == inlineMark { return true }
    return Unmanaged<SideBySideState>.fromOpaque(value).takeUnretainedValue().othersBusy
  }

  /// The thread-specific value of `inline` (any other non-nil value is a `SideBySideState`).
  // Safe unwrap: 1 is a non-null bit pattern.
  private static var inlineMark: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 1)! }

  private static let inlineKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()
}

/// The next index and the first failure of `Parallel.sideBySide`, under one lock, and the
/// workers still busy, an atomic: `isInline` reads it at every split of every run.
final class SideBySideState: @unchecked Sendable {
  private let lock = NSLock()
  private var next = 0
  private let busy: Atomic<Int>
  private var failed: (index: Int, error: any Error)?

  init(workers: Int) { busy = Atomic(workers) }

  /// A worker found no item left to start.
  func workerDone() { busy.subtract(1, ordering: .relaxed) }

  /// Whether another worker than the caller may still be running an item.
  var othersBusy: Bool { busy.load(ordering: .relaxed) > 1 }

  func take(below count: Int) -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard failed == nil, next < count else { return nil }
    next += 1
    return next - 1
  }

  func fail(_ index: Int, _ error: any Error) {
    lock.lock()
    defer { lock.unlock() }
    if failed == nil || index < failed!.index { failed = (index, error) }
  }

  var firstError: (any Error)? {
    lock.lock()
    defer { lock.unlock() }
    return failed?.error
  }
}

/// The number of active processors, read once.
enum ProcessInfoCores {
  static let count: Int = {
    #if canImport(Glibc)
      return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
      return 1
    #endif
  }()
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
