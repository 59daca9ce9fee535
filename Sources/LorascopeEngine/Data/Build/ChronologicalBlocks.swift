/// Cuts cleaned interactions into chronological blocks by global time and builds each block's
/// users as the released PESO data has them (Docs/Design.md §4.1, §4.4).
///
/// Order: every interaction is placed by (timestamp, input row), so equal timestamps keep the
/// input's order and a build is deterministic. A block is a half-open time window
/// `[start, next start)`; an interaction at exactly a boundary belongs to the later block, so
/// two interactions at the same time are never split across blocks.
enum ChronologicalBlocks {
  /// How the boundaries are chosen.
  enum Split: Sendable, Equatable {
    /// Block 0 takes the first `firstShare` of the interactions, the others the rest in equal counts.
    case shares(firstShare: Double, blocks: Int)
    /// Explicit start times of blocks 1, 2, …, increasing.
    case boundaries([Double])
  }

  /// One block before and after the per-block user filter (build.json).
  struct BlockCounts: Codable, Sendable, Equatable {
    let index: Int
    /// The block's first timestamp (inclusive); nil for block 0 (from the beginning).
    let start: Double?
    /// The next block's start (exclusive); nil for the last block.
    let end: Double?
    /// Interactions and users in the time window.
    let interactions: Int
    let users: Int
    /// Users with fewer than the minimum of current items, dropped from this block with their interactions.
    let usersDropped: Int
    let interactionsDropped: Int
    /// What the block file holds.
    let usersKept: Int
    let interactionsKept: Int
  }

  /// One user of one block, as table indices: earlier kept items, then this block's in time order.
  struct UserRows {
    let user: Int32
    let previous: [Int32]
    let current: [Int32]
  }

  /// The rows in (timestamp, row) order.
  static func timeOrder(_ table: InteractionTable, rows: [Int]) -> [Int] {
    rows.sorted { a, b in
      let ta = table.timestamps[a]
      let tb = table.timestamps[b]
      return ta != tb ? ta < tb : a < b
    }
  }

  /// The start timestamps of blocks 1…B−1 for `ordered` rows.
  static func boundaries(_ split: Split, table: InteractionTable, ordered: [Int]) throws -> [Double] {
    switch split {
    case .boundaries(let times):
      for (a, b) in zip(times, times.dropFirst()) where !(a < b) {
        throw LorascopeError.invalidConfiguration("--boundaries must increase: \(a) is followed by \(b)")
      }
      return times
    case .shares(let firstShare, let blocks):
      let total = ordered.count
      let firstEnd = Int((firstShare * Double(total)).rounded(.down))
      let rest = total - firstEnd
      return (1..<blocks).map { k in
        let position = firstEnd + (k - 1) * rest / (blocks - 1)
        return table.timestamps[ordered[min(position, total - 1)]]
      }
    }
  }

  /// Splits `ordered` rows at `boundaries` and builds every block's users. A user takes part in a
  /// block with at least `minimumCurrent` items there; previous_block is everything the user kept
  /// in earlier blocks, in time order (the released files: each user's previous_block is exactly
  /// the concatenation of their earlier current_block lists). Users are listed in the order of
  /// their first interaction in the block.
  static func build(
    table: InteractionTable, ordered: [Int], boundaries: [Double], minimumCurrent: Int
  ) throws -> (blocks: [[UserRows]], counts: [BlockCounts]) {
    var history = [[Int32]](repeating: [], count: table.userIDs.count)
    var blocks: [[UserRows]] = []
    var counts: [BlockCounts] = []
    var position = 0
    for k in 0...boundaries.count {
      let end = k < boundaries.count ? boundaries[k] : nil
      var users: [Int32] = []
      var current: [Int32: [Int32]] = [:]
      var interactions = 0
      while position < ordered.count, end.map({ table.timestamps[ordered[position]] < $0 }) ?? true {
        let row = ordered[position]
        let user = table.users[row]
        if current[user] == nil { users.append(user) }
        current[user, default: []].append(table.items[row])
        interactions += 1
        position += 1
      }
      var kept: [UserRows] = []
      var droppedInteractions = 0
      for user in users {
        let items = current[user]!
        guard items.count >= minimumCurrent else {
          droppedInteractions += items.count
          continue
        }
        kept.append(UserRows(user: user, previous: history[Int(user)], current: items))
      }
      for entry in kept { history[Int(entry.user)].append(contentsOf: entry.current) }
      guard !kept.isEmpty else {
        throw LorascopeError.invalidConfiguration(
          "block \(k) has no user with at least \(minimumCurrent) items (\(interactions) interactions, \(users.count) users in its time window): use fewer blocks, other boundaries or a lower --min-block-items")
      }
      counts.append(
        BlockCounts(
          index: k, start: k == 0 ? nil : boundaries[k - 1], end: end, interactions: interactions,
          users: users.count, usersDropped: users.count - kept.count, interactionsDropped: droppedInteractions,
          usersKept: kept.count, interactionsKept: interactions - droppedInteractions))
      blocks.append(kept)
    }
    return (blocks, counts)
  }
}
