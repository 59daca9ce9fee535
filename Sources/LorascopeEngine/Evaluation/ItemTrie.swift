/// The trie of every item's code tuple: the set of token sequences the recommender may emit (Docs/Design.md §1, §5).
///
/// Tokens follow Docs/Design.md §1: PAD = 0, BOS = 1, EOS = 2, and code `c` at level `l` is token
/// `3 + l·K + c`, K = codebook size. An item is its `levels` code tokens.
///
/// Items may share a code tuple (228 collisions in Video_Games, Docs/Design.md §2), so a leaf holds the
/// list of every item with that tuple, in ascending item order.
///
/// Layout: the distinct tuples are sorted lexicographically and the nodes are numbered breadth
/// first in that order. Hence the children of a node are one contiguous run of the next depth
/// in ascending token order, comparing two node ids of the same depth compares their prefixes
/// lexicographically (the beam search breaks ties with it), and the leaves are the distinct
/// tuples in lexicographic order. The whole trie is a handful of flat arrays.
public struct ItemTrie: Sendable {
  /// Padding token (Docs/Design.md §1).
  public static let padToken: Int32 = 0
  /// Beginning-of-sequence token; every context starts with it (Docs/Design.md §1).
  public static let bosToken: Int32 = 1
  /// End-of-sequence token (Docs/Design.md §1).
  public static let eosToken: Int32 = 2
  /// The id of the first code token, `3 + 0·K + 0`.
  public static let firstCodeToken: Int32 = 3

  /// Number of code levels per item (4 in the released data).
  public let levels: Int
  /// Codebook size K: codes of every level lie in `0..<K`.
  public let codebookSize: Int
  /// Number of items the trie was built from (items sharing a tuple count separately).
  public let itemCount: Int

  /// Token on the edge into each node; the root (node 0) has none and stores -1.
  private let nodeToken: [Int32]
  /// Parent of each node; the root stores -1.
  private let nodeParent: [Int32]
  /// Children of node n are the nodes `childStart[n] ..< childEnd[n]`.
  private let childStart: [Int32]
  private let childEnd: [Int32]
  /// The first node id of each depth 0...levels, plus the node count at the end.
  private let depthStart: [Int]
  /// Items of tuple i are `leafItems[leafItemStart[i] ..< leafItemStart[i + 1]]`.
  private let leafItemStart: [Int32]
  private let leafItems: [Int32]

  /// Builds the trie from each item's codes (`codes[item][level]`).
  ///
  /// - Parameters:
  ///   - codes: one code tuple per item; every tuple must have the same length ≥ 1 and every
  ///     code must lie in `0..<codebookSize`.
  ///   - codebookSize: K of Docs/Design.md §1.
  ///   - source: the file the codes came from, named in error messages.
  /// - Throws: `LorascopeError.invalidDataset` naming the offending item, or
  ///   `.invalidConfiguration` for a bad codebook size.
  public init(codes: [[Int]], codebookSize: Int, source: String = "item index") throws {
    guard codebookSize >= 1 else {
      throw LorascopeError.invalidConfiguration(
        "\(source): codebook size must be at least 1, got \(codebookSize)")
    }
    guard let first = codes.first else {
      throw LorascopeError.invalidDataset(path: source, entry: nil, reason: "no items to index")
    }
    let levels = first.count
    guard levels >= 1 else {
      throw LorascopeError.invalidDataset(path: source, entry: "item 0", reason: "has no codes")
    }
    // Token ids are Int32 and the nodes are counted in Int32.
    guard levels <= (Int(Int32.max) - 3) / codebookSize,
      codes.count <= (Int(Int32.max) - 1) / levels
    else {
      throw LorascopeError.invalidConfiguration(
        "\(source): \(codes.count) items × \(levels) levels × codebook \(codebookSize) do not fit 32-bit ids")
    }
    for (item, tuple) in codes.enumerated() {
      guard tuple.count == levels else {
        throw LorascopeError.invalidDataset(
          path: source, entry: "item \(item)",
          reason: "has \(tuple.count) codes, but item 0 has \(levels)")
      }
      for (level, code) in tuple.enumerated() where code < 0 || code >= codebookSize {
        throw LorascopeError.invalidDataset(
          path: source, entry: "item \(item)",
          reason: "code \(code) at level \(level) is outside 0..<\(codebookSize)")
      }
    }

    // Items sorted by (tuple, item index): equal prefixes become contiguous runs.
    let order = codes.indices.sorted { a, b in
      let ca = codes[a]
      let cb = codes[b]
      for level in 0..<levels where ca[level] != cb[level] { return ca[level] < cb[level] }
      return a < b
    }

    var nodeToken: [Int32] = [-1]
    var nodeParent: [Int32] = [-1]
    var childStart: [Int32] = [0]
    var childEnd: [Int32] = [0]
    var depthStart = [0]
    // The node at the current depth that each sorted item passes through.
    var current = [Int32](repeating: 0, count: order.count)
    for depth in 1...levels {
      depthStart.append(nodeToken.count)
      var newest: Int32 = -1
      var previousParent: Int32 = -1
      for position in order.indices {
        let parent = current[position]
        let token = Self.token(
          level: depth - 1, code: codes[order[position]][depth - 1], codebookSize: codebookSize)
        let startsNewNode = parent != previousParent || token != nodeToken[Int(newest)]
        previousParent = parent
        if startsNewNode {
          newest = Int32(nodeToken.count)
          nodeToken.append(token)
          nodeParent.append(parent)
          childStart.append(0)
          childEnd.append(0)
          // Children are created in order, so the parent's run is contiguous.
          if childEnd[Int(parent)] == 0 { childStart[Int(parent)] = newest }
          childEnd[Int(parent)] = newest + 1
        }
        current[position] = newest
      }
    }
    depthStart.append(nodeToken.count)

    // Leaves are numbered in sorted order; collect each one's items.
    let firstLeaf = Int32(depthStart[levels])
    var leafItemStart: [Int32] = [0]
    var leafItems: [Int32] = []
    leafItems.reserveCapacity(order.count)
    for position in order.indices {
      if position > 0 && current[position] != current[position - 1] {
        leafItemStart.append(Int32(leafItems.count))
      }
      assert(current[position] - firstLeaf == Int32(leafItemStart.count - 1))
      leafItems.append(Int32(order[position]))
    }
    leafItemStart.append(Int32(leafItems.count))

    self.levels = levels
    self.codebookSize = codebookSize
    self.itemCount = codes.count
    self.nodeToken = nodeToken
    self.nodeParent = nodeParent
    self.childStart = childStart
    self.childEnd = childEnd
    self.depthStart = depthStart
    self.leafItemStart = leafItemStart
    self.leafItems = leafItems
  }

  // MARK: - Tokens

  /// The token of `code` at `level`: `3 + level·K + code` (Docs/Design.md §1).
  public static func token(level: Int, code: Int, codebookSize: Int) -> Int32 {
    Int32(Int(firstCodeToken) + level * codebookSize + code)
  }

  /// The token of `code` at `level` under this trie's codebook size.
  public func token(level: Int, code: Int) -> Int32 {
    Self.token(level: level, code: code, codebookSize: codebookSize)
  }

  /// The code tokens of a tuple, level by level (an item's part of a sequence, Docs/Design.md §1).
  ///
  /// The codes are not checked against the trie; see `contains(tuple:)`.
  public func tokens(ofTuple codes: [Int]) -> [Int32] {
    codes.enumerated().map { token(level: $0.offset, code: $0.element) }
  }

  /// The smallest vocabulary that holds every code token: `3 + levels·K`.
  public var vocabSize: Int { Int(Self.firstCodeToken) + levels * codebookSize }

  // MARK: - Queries

  /// Number of distinct code tuples (items minus collisions).
  public var tupleCount: Int { leafItemStart.count - 1 }

  /// The tokens allowed after `tokens` (a prefix of an item's code tokens), ascending.
  ///
  /// Empty when the prefix is not in the trie or is already a complete tuple.
  public func children(ofPrefix tokens: [Int32]) -> [Int32] {
    guard let node = node(forPrefix: tokens) else { return [] }
    return childRange(of: node).map { nodeToken[$0] }
  }

  /// The items (ascending indices) whose code tuple is `tuple`; empty if no item has it.
  public func items(atLeaf tuple: [Int]) -> [Int] {
    guard let index = tupleIndex(of: tuple) else { return [] }
    return leafItems[Int(leafItemStart[index])..<Int(leafItemStart[index + 1])].map { Int($0) }
  }

  /// Whether some item has exactly this code tuple.
  public func contains(tuple: [Int]) -> Bool { tupleIndex(of: tuple) != nil }

  /// The `index`-th distinct tuple in lexicographic order (`0..<tupleCount`), or nil if out of range.
  public func tuple(at index: Int) -> [Int]? {
    guard index >= 0 && index < tupleCount else { return nil }
    return codes(ofNode: depthStart[levels] + index)
  }

  /// The position of `tuple` in lexicographic order, or nil if no item has it.
  public func tupleIndex(of tuple: [Int]) -> Int? {
    guard tuple.count == levels else { return nil }
    var node = 0
    for (level, code) in tuple.enumerated() {
      guard code >= 0 && code < codebookSize,
        let child = child(of: node, token: token(level: level, code: code))
      else { return nil }
      node = child
    }
    return node - depthStart[levels]
  }

  // MARK: - Node access for the beam search

  /// The root node (the empty prefix).
  var rootNode: Int { 0 }

  /// The children of `node`, as node ids in ascending token order.
  func childRange(of node: Int) -> Range<Int> {
    Int(childStart[node])..<Int(childEnd[node])
  }

  /// The token on the edge into `node` (not meaningful for the root).
  func tokenOfNode(_ node: Int) -> Int32 { nodeToken[node] }

  /// The node reached by following `tokens` from the root, or nil if they leave the trie.
  func node(forPrefix tokens: [Int32]) -> Int? {
    guard tokens.count <= levels else { return nil }
    var node = rootNode
    for token in tokens {
      guard let next = child(of: node, token: token) else { return nil }
      node = next
    }
    return node
  }

  /// The nodes a ranking that skips `history`'s items may not enter (Docs/Design.md §5): the
  /// leaves of the history's tuples, and every node all of whose children are excluded, so a
  /// beam is never spent on a prefix that can only end in a history item. `history` is code
  /// tokens, `levels` per item; a group that is not a tuple of the trie excludes nothing.
  /// Sorted ascending (a few dozen nodes at most: binary search is cheaper than hashing).
  func excludedNodes(history: [Int32]) -> [Int32] {
    var excluded: [Int32] = []
    var start = 0
    while start + levels <= history.count {
      if var node = self.node(forPrefix: Array(history[start..<(start + levels)])), !excluded.contains(Int32(node)) {
        excluded.append(Int32(node))
        // Walk up while every child of the parent is excluded.
        while node > 0 {
          let parent = Int(nodeParent[node])
          guard parent > 0, childRange(of: parent).allSatisfy({ excluded.contains(Int32($0)) }) else { break }
          excluded.append(Int32(parent))
          node = parent
        }
      }
      start += levels
    }
    return excluded.sorted()
  }

  /// The codes on the path from the root to `node` (a full tuple when `node` is a leaf).
  func codes(ofNode node: Int) -> [Int] {
    var path: [Int] = []
    var current = node
    while current > 0 {
      path.append(Int(nodeToken[current]))
      current = Int(nodeParent[current])
    }
    path.reverse()
    return path.enumerated().map { level, token in
      token - Int(Self.firstCodeToken) - level * codebookSize
    }
  }

  /// The child of `node` along `token`, found by binary search over the sorted run.
  private func child(of node: Int, token: Int32) -> Int? {
    var low = Int(childStart[node])
    var high = Int(childEnd[node])
    while low < high {
      let middle = (low + high) / 2
      if nodeToken[middle] < token { low = middle + 1 } else { high = middle }
    }
    return low < Int(childEnd[node]) && nodeToken[low] == token ? low : nil
  }
}
