import Foundation
import Testing

@testable import LorascopeEngine

/// `Parallel.sideBySide` runs a sweep's runs next to each other, each on one core.
@Suite("Jobs side by side")
struct ParallelSideBySideTests {
  /// What the jobs saw, under a lock.
  final class Record: @unchecked Sendable {
    let lock = NSLock()
    var started: [Int] = []
    var running = 0, mostRunning = 0
    var inline = 0

    func enter(_ i: Int) {
      lock.lock()
      defer { lock.unlock() }
      started.append(i)
      running += 1
      mostRunning = max(mostRunning, running)
      if Parallel.isInline { inline += 1 }
    }

    func leave() {
      lock.lock()
      defer { lock.unlock() }
      running -= 1
    }
  }

  @Test("every index runs once, at most `width` at a time, inline while another runs beside it")
  func everyIndexOnce() throws {
    let record = Record()
    try Parallel.sideBySide(9, width: 2) { i in
      record.enter(i)
      usleep(2_000)
      record.leave()
    }
    #expect(record.started.sorted() == Array(0..<9))
    #expect(record.mostRunning <= 2)
    // Only an item started after the other worker ran out of items runs on every core.
    #expect(record.inline >= 9 - 2, "\(record.inline) of 9 items inline")
    #expect(!Parallel.isInline)
  }

  @Test("one item or a width of 1: one after another, each on every core")
  func serialWhenNarrow() throws {
    for (count, width) in [(1, 4), (5, 1)] {
      let record = Record()
      try Parallel.sideBySide(count, width: width) { i in
        record.enter(i)
        record.leave()
      }
      #expect(record.started == Array(0..<count))
      #expect(record.mostRunning == 1)
      #expect(record.inline == 0)
    }
  }

  @Test("a worker is inline while another is busy, and splits over the cores once it is alone")
  func aloneUsesEveryCore() {
    let state = SideBySideState(workers: 2)
    Parallel.running(in: state) {
      #expect(Parallel.isInline)
      // Inside, `inline` still means inline.
      Parallel.inline { #expect(Parallel.isInline) }
      state.workerDone()  // the other worker found nothing left to start
      #expect(!Parallel.isInline)
      Parallel.inline { #expect(Parallel.isInline) }
      #expect(!Parallel.isInline)
    }
    #expect(!Parallel.isInline)
  }

  struct Failure: Error, Equatable { let index: Int }

  @Test("after a failure no new item starts, and the lowest failing index's error is rethrown")
  func failures() {
    let record = Record()
    #expect(throws: Failure(index: 3)) {
      try Parallel.sideBySide(40, width: 2) { i in
        record.enter(i)
        defer { record.leave() }
        if i == 3 || i == 4 { throw Failure(index: i) }
        usleep(1_000)
      }
    }
    // Items are taken in order, so at most one more item per worker starts after index 3 fails.
    #expect(record.started.allSatisfy { $0 <= 3 + 2 })
  }

  @Test("inside inline the evaluation uses one decoder: the caller holds one core")
  func oneDecoderInline() throws {
    let model = try ModelFixtures.model()
    #expect(IncrementalDecoder.onEveryCore(model: model).count == Parallel.workers)
    Parallel.inline { #expect(IncrementalDecoder.onEveryCore(model: model).count == 1) }
  }
}
