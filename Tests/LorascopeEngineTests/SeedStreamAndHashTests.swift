import Foundation
import Testing

@testable import LorascopeEngine

@Suite("Seed stream and FNV-1a")
struct SeedStreamAndHashTests {
  @Test("every (purpose, index) of a root gets its own seed, and roots do not share seeds")
  func distinctSeeds() {
    var seen: [UInt64: String] = [:]
    for root in [UInt64(0), 1, 2, 3, 42, 43] {
      let stream = SeedStream(root: root)
      for purpose in SeedStream.Purpose.allCases {
        for index in 0..<200 {
          let s = stream.seed(purpose, index)
          #expect(seen[s] == nil, "root \(root) \(purpose) \(index) collides with \(seen[s] ?? "")")
          seen[s] = "root \(root) \(purpose) \(index)"
        }
      }
    }
    #expect(SeedStream(root: 7).seed(.probe, 3) == SeedStream(root: 7).seed(.probe, 3))
  }

  @Test("the derivation is f(f(f(root) ⊕ tag) ⊕ index) with f the first SplitMix64 output")
  func derivation() {
    func f(_ x: UInt64) -> UInt64 {
      var g = SeededRNG(seed: x)
      return g.next()
    }
    let root: UInt64 = 0xDEAD_BEEF
    #expect(SeedStream(root: root).seed(.stageBatchOrder, 5) == f(f(f(root) ^ 4) ^ 5))
    #expect(SeedStream(root: root).seed(.backboneInitialization) == f(f(f(root) ^ 1)))
  }

  @Test("FNV-1a 64 matches the published test vectors")
  func fnvVectors() {
    #expect(FNV1a64.hexDigest(of: "") == "cbf29ce484222325")
    #expect(FNV1a64.hexDigest(of: "a") == "af63dc4c8601ec8c")
    #expect(FNV1a64.hexDigest(of: "foobar") == "85944171f73967e8")
  }
}
