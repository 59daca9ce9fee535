import Foundation
import Testing

@testable import LorascopeEngine

/// The paired bootstrap (Docs/Statistics.md, "Paired differences") and the λ grid parser.
struct PairedBootstrapTests {
  /// Per-seed per-user values: a user effect shared by both arms, a seed effect, noise, and a
  /// planted difference `delta` in the treatment arm.
  static func pairedArms(
    seeds: Int, users: Int, delta: Double, rng: inout SeededRNG
  ) -> (baseline: [[Double]], treatment: [[Double]]) {
    let userEffect = (0..<users).map { _ in rng.nextNormal() }
    var a: [[Double]] = []
    var b: [[Double]] = []
    for _ in 0..<seeds {
      let seedEffect = 0.1 * rng.nextNormal()
      a.append(userEffect.map { $0 + seedEffect + 0.5 * rng.nextNormal() })
      b.append(userEffect.map { $0 + seedEffect + delta + 0.5 * rng.nextNormal() })
    }
    return (a, b)
  }

  @Test func equalArmsGiveAnIntervalAroundZero() throws {
    let values = (0..<3).map { s in (0..<200).map { Double(($0 * 7 + s) % 11) / 11 } }
    let ci = try PairedBootstrap(baseline: values, treatment: values).interval()
    #expect(ci.mean == 0 && ci.lower == 0 && ci.upper == 0)
    #expect(!ci.excludesZero)
    #expect(ci.verdict == "no effect measured")
  }

  @Test func noisyEqualArmsContainZero() throws {
    var rng = SeededRNG(seed: 11)
    let arms = Self.pairedArms(seeds: 5, users: 300, delta: 0, rng: &rng)
    let ci = try PairedBootstrap(baseline: arms.baseline, treatment: arms.treatment).interval()
    #expect(ci.lower < 0 && ci.upper > 0)
  }

  @Test func aPlantedDifferenceIsExcludedFromZero() throws {
    var rng = SeededRNG(seed: 12)
    let arms = Self.pairedArms(seeds: 5, users: 300, delta: 0.2, rng: &rng)
    let ci = try PairedBootstrap(baseline: arms.baseline, treatment: arms.treatment).interval()
    #expect(ci.excludesZero)
    #expect(ci.verdict == "better")
    #expect(ci.lower < 0.2 && ci.upper > 0.2)
  }

  /// The interval covers the planted truth in at least 90 % of 200 simulated studies (nominal 95 %).
  @Test func coverageOfThePlantedTruth() throws {
    var rng = SeededRNG(seed: 13)
    var covered = 0
    for repeatIndex in 0..<200 {
      let arms = Self.pairedArms(seeds: 5, users: 60, delta: 0.1, rng: &rng)
      let ci = try PairedBootstrap(
        baseline: arms.baseline, treatment: arms.treatment, replicates: 400,
        seed: UInt64(repeatIndex)
      ).interval()
      if ci.lower <= 0.1 && 0.1 <= ci.upper { covered += 1 }
    }
    #expect(covered >= 180, "covered \(covered) of 200")
  }

  @Test func unpairedArmsAreRejected() {
    #expect(throws: LorascopeError.self) {
      try PairedBootstrap(baseline: [[1, 2]], treatment: [[1, 2], [3, 4]])
    }
    #expect(throws: LorascopeError.self) {
      try PairedBootstrap(baseline: [[1, 2]], treatment: [[1]])
    }
    #expect(throws: LorascopeError.self) {
      try PairedBootstrap(differences: [[.nan]])
    }
  }

  @Test func theResultIsAPureFunctionOfDataAndSeed() throws {
    var rng = SeededRNG(seed: 14)
    let arms = Self.pairedArms(seeds: 3, users: 50, delta: 0.05, rng: &rng)
    let first = try PairedBootstrap(baseline: arms.baseline, treatment: arms.treatment).interval()
    let second = try PairedBootstrap(baseline: arms.baseline, treatment: arms.treatment).interval()
    #expect(first == second)
  }
}

struct LambdaGridTests {
  @Test func aLogRangeWithZero() throws {
    let grid = try LambdaGrid.parse("0,1e1:1e6:x10")
    #expect(grid.count == 7)
    #expect(grid[0] == 0)
    for (k, value) in grid.dropFirst().enumerated() {
      #expect(abs(value / pow(10, Double(k + 1)) - 1) < 1e-12)
    }
  }

  @Test func explicitListsAreSortedAndDeduplicated() throws {
    #expect(try LambdaGrid.parse("8, 0.5,2,2,0") == [0, 0.5, 2, 8])
  }

  @Test func aRangeMayMixWithValuesAndUseOtherFactors() throws {
    let grid = try LambdaGrid.parse("3e4,1:16:x2")
    #expect(grid == [1, 2, 4, 8, 16, 30_000])
  }

  @Test(arguments: [
    "", "1,,2", "inf", "nan", "-1", "abc", "1e1:1e6", "1e1:1e6:10", "0:1e6:x10", "1e6:1e1:x10",
    "1:10:x1", "1:10:x0.5", "1e-300:1e300:x1.0001",
  ])
  func badGridsAreRejectedWithAMessage(_ text: String) {
    #expect(throws: LorascopeError.self) { try LambdaGrid.parse(text) }
  }
}
