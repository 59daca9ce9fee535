import Foundation
import Testing

@testable import LorascopeEngine

/// `CorePool` runs the chunks of `Parallel.forIndexedChunks` on the caller and helper threads
/// that spin between regions.
@Suite("Core pool", .serialized)
struct CorePoolTests {
  /// Per-chunk tallies written without a lock: each chunk owns its own slots.
  final class Tally: @unchecked Sendable {
    let runs: UnsafeMutablePointer<Int>
    let threads: UnsafeMutablePointer<UInt>
    let count: Int
    init(_ count: Int) {
      self.count = count
      runs = .allocate(capacity: count)
      runs.initialize(repeating: 0, count: count)
      threads = .allocate(capacity: count)
      threads.initialize(repeating: 0, count: count)
    }
    deinit {
      runs.deallocate()
      threads.deallocate()
    }
  }

  static var threadID: UInt { UInt(bitPattern: Int(pthread_self())) }

  /// A pool of the tests' own, so that other suites running at the same time cannot take it.
  static let pool = CorePool(helpers: 1)

  @Test("every chunk of every region runs exactly once, over many short regions")
  func everyChunkOnce() {
    let regions = 20_000
    let tally = Tally(regions * 8)
    for region in 0..<regions {
      let chunks = 2 + region % 7
      #expect(CorePoolTests.pool.run(chunks: chunks) { c in tally.runs[region * 8 + c] += 1 })
    }
    for region in 0..<regions {
      let chunks = 2 + region % 7
      for c in 0..<8 where tally.runs[region * 8 + c] != (c < chunks ? 1 : 0) {
        Issue.record("region \(region) chunk \(c) ran \(tally.runs[region * 8 + c]) times")
        return
      }
    }
  }

  @Test("the helper takes chunks: a region of slow chunks is not run by the caller alone")
  func helperTakesChunks() {
    let caller = CorePoolTests.threadID
    var sawHelper = false
    // The helper may be asleep for the first region; then it spins and claims.
    for _ in 0..<50 where !sawHelper {
      let tally = Tally(2)
      #expect(CorePoolTests.pool.run(chunks: 2) { c in
        tally.threads[c] = CorePoolTests.threadID
        usleep(2_000)
      })
      sawHelper = tally.threads[0] != caller || tally.threads[1] != caller
    }
    #expect(sawHelper)
  }

  @Test("helpers block the signals meant for the screen's thread (Ctrl-C, resize), not a fault's")
  func helpersBlockTerminalSignals() {
    let terminal = [SIGINT, SIGTERM, SIGHUP, SIGWINCH]
    // A pool made by a thread that lets those signals through: its helper must block them anyway.
    nonisolated(unsafe) var made: CorePool?
    let ready = DispatchSemaphore(value: 0)
    let maker = Thread {
      var set = sigset_t()
      sigemptyset(&set)
      for signal in terminal { sigaddset(&set, signal) }
      pthread_sigmask(SIG_UNBLOCK, &set, nil)
      made = CorePool(helpers: 1)
      ready.signal()
    }
    maker.start()
    ready.wait()
    guard let pool = made else { return }
    let caller = CorePoolTests.threadID
    let found = Tally(1)
    nonisolated(unsafe) var mask = sigset_t()
    for _ in 0..<50 where found.runs[0] == 0 {
      _ = pool.run(chunks: 2) { _ in
        guard CorePoolTests.threadID != caller else {
          usleep(2_000)
          return
        }
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        found.runs[0] = 1
      }
    }
    #expect(found.runs[0] == 1, "no chunk ran on the helper")
    for signal in terminal { #expect(sigismember(&mask, signal) == 1) }
    for signal in [SIGSEGV, SIGILL] { #expect(sigismember(&mask, signal) == 0) }
  }

  @Test("a region opened inside a chunk is refused at once, not waited for")
  func nestedRegionIsRefused() {
    let tally = Tally(2)
    #expect(CorePoolTests.pool.run(chunks: 2) { c in
      tally.runs[c] = CorePoolTests.pool.run(chunks: 2) { _ in } ? 2 : 1
    })
    #expect(tally.runs[0] == 1 && tally.runs[1] == 1)
  }

  @Test("a split inside a split finishes, each inner chunk once (the inner one runs inline or on a free pool)")
  func nestedSplitFinishes() {
    let outerChunks = Parallel.chunkCount(8, minChunk: 1), innerChunks = Parallel.chunkCount(6, minChunk: 1)
    let inner = Tally(outerChunks * innerChunks)
    Parallel.forIndexedChunks(8, minChunk: 1) { outer, _ in
      Parallel.forIndexedChunks(6, minChunk: 1) { c, _ in inner.runs[outer * innerChunks + c] += 1 }
    }
    #expect((0..<inner.count).allSatisfy { inner.runs[$0] == 1 })
  }

  @Test("two threads opening regions at once both finish: one takes the pool, the other runs inline")
  func twoCallers() {
    let regions = 2000, chunks = Parallel.chunkCount(8, minChunk: 1)
    let tallies = [Tally(regions * chunks), Tally(regions * chunks)]
    let group = DispatchGroup()
    for t in 0..<2 {
      group.enter()
      let thread = Thread {
        for region in 0..<regions {
          Parallel.forIndexedChunks(8, minChunk: 1) { c, _ in tallies[t].runs[region * chunks + c] += 1 }
        }
        group.leave()
      }
      thread.start()
    }
    group.wait()
    for t in 0..<2 {
      #expect((0..<(regions * chunks)).allSatisfy { tallies[t].runs[$0] == 1 })
    }
  }

  @Test("a helper that fell asleep is woken by the next region")
  func wakesSleepingHelper() {
    for round in 0..<3 {
      // Longer than the spin budget: the helper is asleep when the region comes.
      usleep(UInt32(CorePool.spinBudgetNanoseconds / 1000) * 5)
      let tally = Tally(8)
      #expect(CorePoolTests.pool.run(chunks: 8) { c in
        tally.runs[c] += 1
        usleep(500)
      })
      #expect((0..<8).allSatisfy { tally.runs[$0] == 1 }, "round \(round)")
    }
  }

  @Test("a LoRA step's loss and gradients are the same bits on the pool as one chunk after another")
  func sameBitsAsInline() throws {
    // Large enough that every matmul, norm and attention splits over the cores (BLAS.splitThreshold).
    let config = ModelConfig(
      vocabSize: 61, hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 96, maxPositions: 48)
    let model = try ModelFixtures.model(
      config: config, weightScale: 1, lora: LoRAConfig(rank: 4, alpha: 8, dropout: 0.1))
    let batch = ModelFixtures.batch(config: config, rows: 16, seqLen: 40)
    #expect(batch.targetRows.count * config.hiddenSize * config.hiddenSize >= BLAS.splitThreshold)
    func step() throws -> (loss: Double, gradient: [Float]) {
      let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
      let loss = try model.lossAndGradients(batch, into: grads, dropoutSeed: 5)
      // Safe unwrap: lora: true allocates the adapter's gradient.
      return (loss, grads.lora!.array)
    }
    let pooled = try step()
    let inline = try Parallel.inline { try step() }
    #expect(pooled.loss.bitPattern == inline.loss.bitPattern)
    #expect(pooled.gradient.map(\.bitPattern) == inline.gradient.map(\.bitPattern))
    #expect(pooled.gradient.contains { $0 != 0 })
  }
}
