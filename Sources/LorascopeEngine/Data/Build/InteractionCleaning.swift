/// The cleaning steps of `data build` before the blocks are cut (Docs/Design.md §4.4): duplicate
/// (user, item) pairs, then k-core filtering. Each returns the rows it keeps (indices into the
/// table, in input order) and what it removed, for build.json.
enum InteractionCleaning {
  /// Counts of the k-core step.
  struct CoreCounts: Codable, Sendable, Equatable {
    /// Passes over the interactions until no user or item fell below its minimum.
    let iterations: Int
    let interactionsRemoved: Int
    let usersRemoved: Int
    let itemsRemoved: Int
  }

  /// Keeps, of every (user, item) pair, the earliest interaction (ties: the first in input order).
  /// Returns the kept rows in input order and how many were removed.
  static func removeDuplicates(_ table: InteractionTable) -> (rows: [Int], removed: Int) {
    var earliest: [UInt64: Int] = [:]
    earliest.reserveCapacity(table.count)
    for row in 0..<table.count {
      let key = UInt64(UInt32(bitPattern: table.users[row])) << 32 | UInt64(UInt32(bitPattern: table.items[row]))
      if let kept = earliest[key] {
        if table.timestamps[row] < table.timestamps[kept] { earliest[key] = row }
      } else {
        earliest[key] = row
      }
    }
    let rows = earliest.values.sorted()
    return (rows, table.count - rows.count)
  }

  /// Removes users with fewer than `minimumPerUser` and items with fewer than `minimumPerItem`
  /// interactions, repeatedly, until every remaining user and item has enough (a fixed point:
  /// removing an item can push a user below the minimum and the other way round).
  static func kCore(
    _ table: InteractionTable, rows: [Int], minimumPerUser: Int, minimumPerItem: Int
  ) -> (rows: [Int], counts: CoreCounts) {
    var kept = rows
    var iterations = 0
    let usersBefore = distinctCount(table.users, rows: rows, size: table.userIDs.count)
    let itemsBefore = distinctCount(table.items, rows: rows, size: table.itemIDs.count)
    while minimumPerUser > 1 || minimumPerItem > 1 {
      iterations += 1
      var perUser = [Int32](repeating: 0, count: table.userIDs.count)
      var perItem = [Int32](repeating: 0, count: table.itemIDs.count)
      for row in kept {
        perUser[Int(table.users[row])] += 1
        perItem[Int(table.items[row])] += 1
      }
      let next = kept.filter {
        perUser[Int(table.users[$0])] >= minimumPerUser && perItem[Int(table.items[$0])] >= minimumPerItem
      }
      if next.count == kept.count { break }
      kept = next
    }
    let counts = CoreCounts(
      iterations: iterations, interactionsRemoved: rows.count - kept.count,
      usersRemoved: usersBefore - distinctCount(table.users, rows: kept, size: table.userIDs.count),
      itemsRemoved: itemsBefore - distinctCount(table.items, rows: kept, size: table.itemIDs.count))
    return (kept, counts)
  }

  static func distinctCount(_ column: [Int32], rows: [Int], size: Int) -> Int {
    var seen = [Bool](repeating: false, count: size)
    var count = 0
    for row in rows where !seen[Int(column[row])] {
      seen[Int(column[row])] = true
      count += 1
    }
    return count
  }
}
