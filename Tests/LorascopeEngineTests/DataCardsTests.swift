import Foundation
import Testing

@testable import LorascopeEngine

/// The code health card and the drift card of `data check` (Docs/Design.md §4.4).
@Suite struct DataCardsTests {
  func dataset(codes: [[Int]], blocks: [[[Int]]]) throws -> ContinualDataset {
    let items = try ItemIndex(itemIDs: codes.indices.map { "item\($0)" }, codes: codes)
    var previous: [String: [Int]] = [:]
    let built = blocks.enumerated().map { k, users in
      DataBlock(
        index: k,
        users: users.enumerated().map { position, current in
          let id = "b\(k)u\(position)"
          defer { previous[id, default: []] += current }
          return UserBlock(userID: id, previous: previous[id] ?? [], current: current)
        })
    }
    return try ContinualDataset(name: "cards", source: "test", items: items, blocks: built)
  }

  @Test func aCollapsedLevelIsNamed() throws {
    // 40 items: level a gives 37 of them code 0; level b numbers the items sharing level a.
    var codes: [[Int]] = []
    var next: [Int: Int] = [:]
    for item in 0..<40 {
      let a = item < 37 ? 0 : item - 36
      codes.append([a, next[a, default: 0]])
      next[a, default: 0] += 1
    }
    let card = try dataset(codes: codes, blocks: [[Array(0..<40)]]).statistics().codeHealth
    #expect(card.items == 40 && card.tuples == 40 && card.largestTuple == 1)
    #expect(card.levels[0].collapsed)
    #expect(card.levels[0].codesUsed == 4)
    #expect(abs(card.levels[0].largestShare - 37.0 / 40) < 1e-12)
    #expect(card.levels[1].numbersSharedTuples && !card.levels[1].collapsed)
    #expect(card.warnings.count == 1 && card.warnings[0].hasPrefix("level a has collapsed"))
    #expect(card.render().contains("COLLAPSED"))
  }

  @Test func evenCodesAreHealthy() throws {
    // 64 items, 16 × 4 codes used evenly: entropy 4 and 2 bits, no warning.
    let codes = (0..<64).map { [$0 % 16, 3 - $0 / 16] }
    let card = try dataset(codes: codes, blocks: [[Array(0..<64)]]).statistics().codeHealth
    #expect(abs(card.levels[0].entropyBits - 4) < 1e-12 && abs(card.levels[0].perplexity - 16) < 1e-9)
    #expect(abs(card.levels[1].entropyBits - 2) < 1e-12)
    #expect(!card.levels[1].numbersSharedTuples)
    #expect(card.warnings.isEmpty)
    #expect(card.itemsPerTuple == 1)
  }

  @Test func sharedTuplesAreCounted() throws {
    let codes = [[0, 0], [0, 0], [0, 0], [1, 1], [2, 2]]
    let card = try dataset(codes: codes, blocks: [[[0, 1, 2, 3, 4]]]).statistics().codeHealth
    #expect(card.tuples == 3 && card.largestTuple == 3)
    #expect(abs(card.itemsPerTuple - 5.0 / 3) < 1e-12)
    #expect(card.warnings.contains { $0.hasPrefix("3 items (60 %) share their code tuple") })
  }

  @Test func jensenShannonHasItsKnownValues() {
    #expect(DriftCard.jensenShannon(["a": 2, "b": 1], ["a": 4, "b": 2]) == 0)
    #expect(abs(DriftCard.jensenShannon(["a": 1], ["b": 3]) - 1) < 1e-12)
    // p = (1, 0), q = (½, ½): ½·log2(4/3) + ½·(½·log2(2/3) + ½·log2 2).
    let expected = 0.5 * log2(4.0 / 3) + 0.5 * (0.5 * log2(2.0 / 3) + 0.5)
    #expect(abs(DriftCard.jensenShannon(["a": 1], ["a": 1, "b": 1]) - expected) < 1e-12)
  }

  @Test func driftCountsUnseenTargetsAndNewItems() throws {
    // Block 1: one test target (4) never seen before, one (0) seen; items 3 and 4 are new.
    let codes = (0..<6).map { [$0 % 2, $0 / 2] }
    let data = try dataset(codes: codes, blocks: [[[0, 1, 2]], [[0, 3, 4], [1, 2, 0]]])
    let drift = data.statistics().drift
    #expect(drift.blocks[0].unseenTestTargetShare == nil)
    #expect(drift.blocks[1].users == 2 && drift.blocks[1].items == 5)
    #expect(drift.blocks[1].unseenTestTargetShare == 0.5)
    #expect(drift.blocks[1].newItemShare == 0.4)
    #expect(drift.blocks[1].itemDivergence! > 0 && drift.blocks[1].itemDivergence! < 1)
    let health = data.statistics().codeHealth
    #expect(health.newItems.map(\.items) == [3, 2])
  }

  @Test func theReleasedCodesAreHealthy() throws {
    let statistics = try PESODatasetLoader.load(directory: VideoGamesFixture.directory).statistics()
    #expect(statistics.codeHealth.items == 25_935)
    #expect(statistics.codeHealth.tuples == 25_707)
    #expect(statistics.codeHealth.levels.allSatisfy { !$0.collapsed && !$0.numbersSharedTuples })
    #expect(statistics.drift.blocks.count == 5)
    #expect(statistics.drift.blocks[1].unseenTestTargetShare! > 0.2)
  }
}
