/// One user's interactions within one block (Docs/Design.md §4), as dense item indices.
public struct UserBlock: Sendable, Equatable {
  /// The user id string of the source file.
  public let userID: String
  /// The user's history from earlier blocks (`previous_block`): context, never a target.
  public let previous: [Int]
  /// The user's interactions in this block (`current_block`), in time order.
  public let current: [Int]

  public init(userID: String, previous: [Int], current: [Int]) {
    self.userID = userID
    self.previous = previous
    self.current = current
  }
}

/// One chronological block D_t of the continual stream (Docs/Design.md §2, §4).
public struct DataBlock: Sendable, Equatable {
  /// t, the block's position in time (0 = the block the backbone is pretrained on).
  public let index: Int
  /// The block's users, in file order.
  public let users: [UserBlock]

  public init(index: Int, users: [UserBlock]) {
    self.index = index
    self.users = users
  }
}

/// A continual-recommendation dataset in memory: an item index and blocks D_0..D_{T-1}.
///
/// Real data (the PESO directory format, `PESODatasetLoader`) and the built-in synthetic data
/// (`SyntheticDrift`) both produce this one structure (Docs/Design.md §4).
public struct ContinualDataset: Sendable, Equatable {
  /// Short name (the file prefix of a PESO directory, or "synthetic").
  public let name: String
  /// Where it came from: a directory path or "synthetic(seed …)".
  public let source: String
  /// The item catalogue and its semantic-ID codes.
  public let items: ItemIndex
  /// The blocks in time order; `blocks[t].index == t`.
  public let blocks: [DataBlock]
  /// A stable content hash (16 hex digits), used to cache the backbone pretrained on block 0.
  ///
  /// FNV-1a 64 over a canonical serialization of the item ids and codes and of every block's
  /// users and item sequences. The name, the source and the titles are left out: the same
  /// content loaded from another directory, or generated and written back, has the same
  /// fingerprint, and anything that changes what the model sees changes it.
  public let fingerprint: String

  /// Builds a dataset and checks that blocks are numbered 0..<T and every item index is valid.
  ///
  /// - Throws: `LorascopeError.invalidDataset` naming `source`, the block and the user.
  public init(name: String, source: String, items: ItemIndex, blocks: [DataBlock]) throws {
    guard !blocks.isEmpty else {
      throw LorascopeError.invalidDataset(path: source, entry: nil, reason: "the dataset has no blocks")
    }
    for (t, block) in blocks.enumerated() {
      guard block.index == t else {
        throw LorascopeError.invalidDataset(
          path: source, entry: "block \(block.index)", reason: "block at position \(t) has index \(block.index)")
      }
      for user in block.users {
        for item in user.previous + user.current where item < 0 || item >= items.numItems {
          throw LorascopeError.invalidDataset(
            path: source, entry: "block \(t), user \(ErrorQuote.quoted(user.userID))",
            reason: "item index \(item) is outside 0..<\(items.numItems)")
        }
      }
    }
    self.name = name
    self.source = source
    self.items = items
    self.blocks = blocks
    self.fingerprint = ContinualDataset.fingerprint(items: items, blocks: blocks)
  }

  /// Number of blocks T.
  public var numBlocks: Int { blocks.count }

  /// FNV-1a 64 of the canonical serialization described at `fingerprint`.
  static func fingerprint(items: ItemIndex, blocks: [DataBlock]) -> String {
    var hash = FNV1a64()
    hash.add(string: "lorascope-dataset-v1")
    hash.add(integer: items.numItems)
    hash.add(integer: items.levels)
    hash.add(integer: items.codebookSize)
    for (id, codes) in zip(items.itemIDs, items.codes) {
      hash.add(string: id)
      for code in codes { hash.add(integer: code) }
    }
    hash.add(integer: blocks.count)
    for block in blocks {
      hash.add(integer: block.users.count)
      for user in block.users {
        hash.add(string: user.userID)
        hash.add(integer: user.previous.count)
        for item in user.previous { hash.add(integer: item) }
        hash.add(integer: user.current.count)
        for item in user.current { hash.add(integer: item) }
      }
    }
    return hash.hexDigest
  }
}
