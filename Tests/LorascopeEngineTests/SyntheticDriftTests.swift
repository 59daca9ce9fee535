import Foundation
import Testing

@testable import LorascopeEngine

/// The built-in synthetic data (Docs/Design.md §4): deterministic, sized for a classroom, coded by its
/// cluster hierarchy, and drifting as its ground truth says.
@Suite struct SyntheticDriftTests {
  /// The share of each top cluster among a block's current items.
  private func topClusterShares(_ block: DataBlock, truth: SyntheticGroundTruth, clusters: Int) -> [Double] {
    var counts = [Double](repeating: 0, count: clusters)
    var total = 0.0
    for user in block.users {
      for item in user.current {
        counts[truth.itemTopCluster[item]] += 1
        total += 1
      }
    }
    return counts.map { $0 / total }
  }

  private func totalVariation(_ p: [Double], _ q: [Double]) -> Double {
    zip(p, q).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
  }

  @Test func sameSeedSameDataset() throws {
    let first = try SyntheticDrift.generateWithGroundTruth(SyntheticDriftConfig(seed: 11))
    let second = try SyntheticDrift.generateWithGroundTruth(SyntheticDriftConfig(seed: 11))
    #expect(first.dataset == second.dataset)
    #expect(first.truth == second.truth)
    #expect(first.dataset.fingerprint == second.dataset.fingerprint)
  }

  @Test func anotherSeedAnotherDataset() throws {
    let first = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 11))
    let second = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 12))
    #expect(first.fingerprint != second.fingerprint)
    #expect(first.blocks != second.blocks)
    #expect(first.items.codes != second.items.codes)
  }

  @Test func defaultSizeSuitsAClassroom() throws {
    let config = SyntheticDriftConfig()
    let dataset = try SyntheticDrift.generate(config)
    #expect(dataset.name == "synthetic")
    #expect(dataset.numBlocks == 5)
    #expect(dataset.blocks.allSatisfy { $0.users.count == 400 })
    #expect(dataset.items.numItems == 400)
    #expect(dataset.items.levels == 4)
    #expect(dataset.items.codebookSize == 16)
    #expect(dataset.items.vocabSize == 3 + 4 * 16)
    #expect(dataset.items.codeTupleCollisions == 0)
    #expect(dataset.blocks.allSatisfy { $0.users.allSatisfy { $0.current.count >= 3 } })
    let interactions = dataset.blocks.map { $0.users.reduce(0) { $0 + $1.current.count } }
    for count in interactions { #expect(abs(Double(count) / 400 - config.meanItemsPerUser) < 1.5) }
  }

  @Test func codesFollowTheClusterHierarchy() throws {
    let (dataset, truth) = try SyntheticDrift.generateWithGroundTruth(SyntheticDriftConfig(seed: 3))
    for item in 0..<dataset.items.numItems {
      #expect(dataset.items.codes[item][0] == truth.topClusterCodes[truth.itemTopCluster[item]])
    }
    #expect(Set(truth.topClusterCodes).count == 8)
    // Items with the same first two codes share a sub-cluster: fewer distinct prefixes than items.
    #expect(Set(dataset.items.codes.map { Array($0.prefix(2)) }).count == 8 * 3)
    #expect(Set(dataset.items.codes.map { Array($0.prefix(3)) }).count == 8 * 3 * 3)
  }

  @Test func returningUsersCarryTheirHistory() throws {
    let config = SyntheticDriftConfig(seed: 5, usersPerBlock: 200, returningShare: 0.25)
    let dataset = try SyntheticDrift.generate(config)
    for t in 1..<dataset.numBlocks {
      let earlier = Dictionary(uniqueKeysWithValues: dataset.blocks[t - 1].users.map { ($0.userID, $0) })
      let returning = dataset.blocks[t].users.filter { earlier[$0.userID] != nil }
      #expect(returning.count == 50)
      for user in returning {
        let before = try #require(earlier[user.userID])
        #expect(user.previous == before.previous + before.current)
      }
      for user in dataset.blocks[t].users where earlier[user.userID] == nil {
        #expect(user.previous.isEmpty || t > 1)
      }
    }
  }

  @Test func fullDriftMovesTheDominantClusters() throws {
    let config = SyntheticDriftConfig(seed: 21, driftStrength: 1)
    let (dataset, truth) = try SyntheticDrift.generateWithGroundTruth(config)
    let shares = dataset.blocks.map { topClusterShares($0, truth: truth, clusters: 8) }
    for t in 1..<dataset.numBlocks {
      #expect(Set(truth.dominantClusters[t]).isDisjoint(with: truth.dominantClusters[t - 1]))
      #expect(truth.popularityShift(from: t - 1, to: t) > 0.6)
      #expect(totalVariation(shares[t], shares[t - 1]) > 0.35, "block \(t)")
      // The most frequent top cluster of the data is one the ground truth calls dominant.
      let mostFrequent = shares[t].indices.max { shares[t][$0] < shares[t][$1] }!
      #expect(truth.dominantClusters[t].contains(mostFrequent), "block \(t)")
    }
  }

  @Test func noDriftKeepsBlocksAlike() throws {
    let config = SyntheticDriftConfig(seed: 21, driftStrength: 0)
    let (dataset, truth) = try SyntheticDrift.generateWithGroundTruth(config)
    let shares = dataset.blocks.map { topClusterShares($0, truth: truth, clusters: 8) }
    for t in 1..<dataset.numBlocks {
      #expect(truth.dominantClusters[t] == truth.dominantClusters[0])
      #expect(truth.popularityShift(from: t - 1, to: t) == 0)
      #expect(totalVariation(shares[t], shares[t - 1]) < 0.1, "block \(t)")
    }
  }

  @Test func driftGrowsWithItsStrength() throws {
    func meanShift(_ drift: Double) throws -> Double {
      let (dataset, truth) = try SyntheticDrift.generateWithGroundTruth(SyntheticDriftConfig(seed: 8, driftStrength: drift))
      let shares = dataset.blocks.map { topClusterShares($0, truth: truth, clusters: 8) }
      return (1..<shares.count).map { totalVariation(shares[$0], shares[$0 - 1]) }.reduce(0, +) / Double(shares.count - 1)
    }
    let none = try meanShift(0)
    let half = try meanShift(0.5)
    let full = try meanShift(1)
    #expect(none < half && half < full)
  }

  @Test func userTastesAreDistributionsAlignedWithUsers() throws {
    let (dataset, truth) = try SyntheticDrift.generateWithGroundTruth(SyntheticDriftConfig(seed: 2, driftStrength: 0))
    #expect(truth.userTastes.map(\.count) == dataset.blocks.map(\.users.count))
    for tastes in truth.userTastes {
      for taste in tastes {
        #expect(taste.count == 8)
        #expect(abs(taste.reduce(0, +) - 1) < 1e-9)
        #expect(taste.allSatisfy { $0 >= 0 })
      }
    }
    // Without drift a returning user's taste is unchanged.
    let block1 = Dictionary(uniqueKeysWithValues: zip(dataset.blocks[1].users.map(\.userID), truth.userTastes[1]))
    for (user, taste) in zip(dataset.blocks[0].users, truth.userTastes[0]) {
      if let later = block1[user.userID] { #expect(later == taste) }
    }
  }

  @Test func invalidConfigurationsThrow() {
    var config = SyntheticDriftConfig()
    config.branching = [8, 3]
    #expect(throws: LorascopeError.self) { try SyntheticDrift.generate(config) }
    config = SyntheticDriftConfig(driftStrength: 1.5)
    #expect(throws: LorascopeError.self) { try SyntheticDrift.generate(config) }
    config = SyntheticDriftConfig(codebookSize: 4)  // branching 8 > K
    #expect(throws: LorascopeError.self) { try SyntheticDrift.generate(config) }
    config = SyntheticDriftConfig(numItems: 10)  // fewer items than leaf clusters
    #expect(throws: LorascopeError.self) { try SyntheticDrift.generate(config) }
    config = SyntheticDriftConfig(meanItemsPerUser: 2)
    #expect(throws: LorascopeError.self) { try SyntheticDrift.generate(config) }
  }
}
