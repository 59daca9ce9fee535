import Testing

@testable import LorascopeEngine

/// `bench` times the PESO step on Video_Games-like lengths; its batches must look like a run's.
@Suite("Benchmark workloads")
struct BenchmarkWorkloadTests {
  @Test("Video_Games-like batches: lengths from the history buckets, cut like a run's, shapes that vary, seeded")
  func videoGamesLikeBatches() {
    let batches = EngineBenchmark.videoGamesLikeBatches(count: 8, vocab: 1027, batch: 32, maxLength: 85, seed: 4)
    #expect(batches.count == 8 && batches.allSatisfy { $0.batch == 32 })
    // BatchPlan puts similar lengths side by side: little padding, as in a run (8–12 % on Video_Games).
    let real = batches.reduce(0) { $0 + $1.lengths.reduce(0, +) }, padded = batches.reduce(0) { $0 + $1.batch * $1.seqLen }
    #expect(Double(padded - real) < 0.15 * Double(padded), "padding \(padded - real) of \(padded) rows")
    // Every row: BOS + 4 tokens per item, at least 4 history items and the target, at most the cap.
    for b in batches {
      #expect(b.seqLen <= 85 && b.seqLen >= 21)
      for row in 0..<b.batch {
        let real = (0..<b.seqLen).filter { b.targets[row * b.seqLen + $0] >= 0 }.count
        #expect(real >= 21 && real <= b.seqLen)
        #expect((0..<real).allSatisfy { b.targets[row * b.seqLen + $0] >= 3 && b.targets[row * b.seqLen + $0] < 1027 })
      }
    }
    #expect(Set(batches.map(\.seqLen)).count > 1)
    let mean = Double(real) / Double(8 * 32)
    #expect(batches.reduce(0) { $0 + $1.targetRows.count } == real)
    // Most Video_Games test users have 4–6 items: sequences of 21–29 tokens, a few of 85.
    #expect(mean > 21 && mean < 45)
    let again = EngineBenchmark.videoGamesLikeBatches(count: 8, vocab: 1027, batch: 32, maxLength: 85, seed: 4)
    #expect(zip(batches, again).allSatisfy { $0.tokens == $1.tokens && $0.targets == $1.targets })
  }

  /// What the workload above imitates: a run's own batches. BatchPlan sorts by length within 16
  /// batches, so on Video_Games a run's batches are mostly real tokens (8–12 % padding per block,
  /// epoch 0, batch 32); the rest is what `PackedRows` skips.
  @Test("a run's batches on Video_Games: about 30 tokens per sequence, little padding")
  func videoGamesRunBatches() throws {
    let dataset = try PESODatasetLoader.load(directory: VideoGamesFixture.directory)
    for block in 0..<5 {
      let split = try dataset.split(block: block)
      let pairs = split.train.map { TokenSequence.trainingPair(for: $0, itemIndex: dataset.items) }
      let plan = BatchPlan(pairs: pairs, batchSize: 32, seed: 3)
      var real = 0, padded = 0
      for indices in plan.epoch(0) {
        let batch = plan.batch(indices)
        real += batch.lengths.reduce(0, +)
        padded += batch.batch * batch.seqLen
      }
      let perSequence = Double(real) / Double(pairs.count), padding = 1 - Double(real) / Double(padded)
      #expect(perSequence > 20 && perSequence < 35, "block \(block): \(perSequence) tokens per sequence")
      #expect(padding > 0.02 && padding < 0.15, "block \(block): padding \(padding)")
    }
  }
}
