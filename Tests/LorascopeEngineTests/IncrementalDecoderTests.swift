import LorascopeEngine
import Testing

@Suite("Incremental decoding (key/value cache)")
struct IncrementalDecoderTests {
  @Test("cached beam steps give the same log-probabilities as full forward passes")
  func matchesFullForward() throws {
    let model = try ModelFixtures.model(weightScale: 4, lora: LoRAConfig(rank: 4, alpha: 8))
    let decoder = IncrementalDecoder(model: model)
    var rng = SeededRNG(seed: 5)
    // Three prefixes of different lengths, then three levels of extensions (2 beams each).
    var contexts: [[Int32]] = [[1, 5, 9, 4], [1, 7], [1, 3, 3, 8, 12, 6, 2]]
    for level in 0..<4 {
      let cached = try decoder.nextTokenLogProbs(contexts: contexts)
      let full = try model.nextTokenLogProbs(contexts: contexts)
      for (a, b) in zip(cached, full) {
        let err = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(err < 1e-4, "level \(level): max |Δ log p| = \(err)")
      }
      contexts = contexts.flatMap { ctx in
        (0..<2).map { _ in ctx + [Int32(3 + Int(rng.next() % 20))] }
      }
    }
    #expect(decoder.fullContexts == 3)
    #expect(decoder.cachedContexts == 6 + 12 + 24)
  }
}
