import Foundation

/// How much the blocks differ (`lorascope data check`, Docs/Design.md §4.4): per block its users
/// and items, how many test targets and items are new, and how far the popularity of items and
/// of first-level codes moved from the block before. Little drift means little for continual
/// training to do: a model trained on block 0 would already do well on the rest.
public struct DriftCard: Sendable, Equatable, Codable {
  public struct Block: Sendable, Equatable, Codable {
    public let index: Int
    /// Users with a test example (≥ 3 current items), and distinct items in current lists.
    public let users: Int
    public let items: Int
    /// Of the test targets, the share no earlier block referenced (nil for block 0).
    public let unseenTestTargetShare: Double?
    /// Of the block's items, the share no earlier block referenced (nil for block 0).
    public let newItemShare: Double?
    /// Jensen–Shannon divergence in bits (0 = same, 1 = disjoint) of the interaction counts per
    /// item, and per first-level code, against the block before (nil for block 0).
    public let itemDivergence: Double?
    public let firstLevelCodeDivergence: Double?
  }

  public let blocks: [Block]

  /// Jensen–Shannon divergence in bits between two histograms (keys absent count 0).
  static func jensenShannon<Key: Hashable>(_ p: [Key: Int], _ q: [Key: Int]) -> Double {
    let pTotal = Double(p.values.reduce(0, +))
    let qTotal = Double(q.values.reduce(0, +))
    guard pTotal > 0, qTotal > 0 else { return 0 }
    var divergence = 0.0
    for key in Set(p.keys).union(q.keys) {
      let a = Double(p[key] ?? 0) / pTotal
      let b = Double(q[key] ?? 0) / qTotal
      let m = (a + b) / 2
      if a > 0 { divergence += 0.5 * a * log2(a / m) }
      if b > 0 { divergence += 0.5 * b * log2(b / m) }
    }
    return max(0, min(1, divergence))
  }

  init(items index: ItemIndex, blocks: [DataBlock]) {
    var seen = [Bool](repeating: false, count: index.numItems)
    var previousItems: [Int: Int] = [:]
    var previousCodes: [Int: Int] = [:]
    var cards: [Block] = []
    for block in blocks {
      var itemCounts: [Int: Int] = [:]
      var codeCounts: [Int: Int] = [:]
      var testTargets = 0
      var unseenTargets = 0
      var users = 0
      for user in block.users {
        for item in user.current {
          itemCounts[item, default: 0] += 1
          codeCounts[index.codes[item][0], default: 0] += 1
        }
        if user.current.count >= ContinualDataset.minimumCurrentItems, let target = user.current.last {
          users += 1
          testTargets += 1
          if !seen[target] { unseenTargets += 1 }
        }
      }
      let newItems = itemCounts.keys.filter { !seen[$0] }.count
      let first = block.index == 0
      cards.append(
        Block(
          index: block.index, users: users, items: itemCounts.count,
          unseenTestTargetShare: first || testTargets == 0 ? nil : Double(unseenTargets) / Double(testTargets),
          newItemShare: first || itemCounts.isEmpty ? nil : Double(newItems) / Double(itemCounts.count),
          itemDivergence: first ? nil : Self.jensenShannon(previousItems, itemCounts),
          firstLevelCodeDivergence: first ? nil : Self.jensenShannon(previousCodes, codeCounts)))
      for user in block.users {
        for item in user.previous + user.current { seen[item] = true }
      }
      previousItems = itemCounts
      previousCodes = codeCounts
    }
    self.blocks = cards
  }

  /// One line: the means over blocks 1… of the unseen test targets and the two divergences.
  public var summary: String {
    let later = blocks.dropFirst()
    guard !later.isEmpty else { return "drift: one block, nothing to compare" }
    func mean(_ values: [Double?]) -> Double {
      let present = values.compactMap { $0 }
      return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    }
    return "drift: blocks 1–\(blocks.count - 1) on average \(String(format: "%.1f", mean(later.map(\.unseenTestTargetShare)) * 100)) % unseen test targets, "
      + "JS divergence from the block before \(String(format: "%.3f", mean(later.map(\.itemDivergence)))) (items), \(String(format: "%.3f", mean(later.map(\.firstLevelCodeDivergence)))) (first-level codes)"
  }

  /// The card as text for `data check`.
  public func render() -> String {
    func percent(_ value: Double?) -> String { value.map { String(format: "%.1f %%", $0 * 100) } ?? "–" }
    func bits(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
    let header = ["block", "users", "items", "unseen test targets", "new items", "JS items", "JS codes a"]
    let rows = blocks.map { block in
      [
        String(block.index), String(block.users), String(block.items), percent(block.unseenTestTargetShare),
        percent(block.newItemShare), bits(block.itemDivergence), bits(block.firstLevelCodeDivergence),
      ]
    }
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }.joined(separator: "  ")
    }
    return (["drift        " + summary.dropFirst("drift: ".count), line(header)] + rows.map(line)).joined(separator: "\n")
  }
}

extension ContinualDataset {
  /// The drift card of this dataset (without the rest of `statistics()`, for `run`'s header).
  public var drift: DriftCard { DriftCard(items: items, blocks: blocks) }
}
