import Foundation
import Synchronization
import Testing

@testable import LorascopeEngine

/// Concurrent jobs publishing the same backbone (Docs/Reproduce.md, "Sweeps on a cluster"):
/// exactly one copy becomes the entry, the others are discarded, and no staging directory is left.
@Suite("Backbone cache publishing")
struct BackboneCachePublisherTests {
  @Test("eight racing publishes: one wins, the entry is complete and readable, nothing is left over")
  func race() throws {
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-publish-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    let entry = cache.appendingPathComponent("key")
    let config = ModelConfig(vocabSize: 20, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 16)
    let models = try (0..<8).map { _ in try LlamaModel(config: config, seed: 4) }
    let wins = Mutex(0)
    let failures = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: models.count) { i in
      do {
        if try BackboneCachePublisher.publish(models[i], to: entry) { wins.withLock { $0 += 1 } }
      } catch {
        failures.withLock { $0 += 1 }
      }
    }
    #expect(wins.withLock { $0 } == 1)
    #expect(failures.withLock { $0 } == 0)
    #expect(BackboneCachePublisher.isComplete(entry))
    let read = try ModelCheckpoint.readBackbone(from: entry)
    #expect(read.weights.array == models[0].weights.array)
    #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path) == ["key"])
    // Once the entry exists it is left alone.
    #expect(try BackboneCachePublisher.publish(models[1], to: entry) == false)
  }
}
