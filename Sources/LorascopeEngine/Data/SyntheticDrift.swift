import Foundation

/// What the synthetic generator put into its data, so a demo can compare what a model
/// learned with what is true (Docs/Design.md §4: "ground truth known").
public struct SyntheticGroundTruth: Sendable, Equatable, Codable {
  /// The top cluster (0..<branching[0]) of every item, by dense item index.
  public let itemTopCluster: [Int]
  /// The level-0 code of every top cluster: an item's first token tells its top cluster.
  public let topClusterCodes: [Int]
  /// π_t: the popularity of each top cluster in block t (sums to 1).
  public let clusterPopularity: [[Double]]
  /// The two top clusters block t's trend pulls toward (block 0: the initial favourites).
  public let trendClusters: [[Int]]
  /// The two most popular top clusters of π_t, most popular first (ties: lower index first).
  public let dominantClusters: [[Int]]
  /// θ_u: each user's taste over top clusters in block t, aligned with `blocks[t].users`.
  public let userTastes: [[[Double]]]

  /// Total variation distance ½Σ|π_t − π_{t−1}| of the popularity between two blocks.
  public func popularityShift(from earlier: Int, to later: Int) -> Double {
    zip(clusterPopularity[earlier], clusterPopularity[later]).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
  }
}

/// The built-in deterministic synthetic drift data (Docs/Design.md §4).
///
/// Items sit in a hierarchy of clusters (`branching`); an item's codes are its cluster path,
/// level 0 the top cluster, then the sub-clusters, and the last level tells the items of a
/// leaf cluster apart, so semantic IDs reflect the hierarchy as RQ-VAE codes do. Each cluster
/// level maps its children to codes spread over 0..<K (K − 1 included), so the derived
/// codebook size is exactly `codebookSize`.
///
/// A user has a taste θ over top clusters. A sequence starts in a top cluster drawn from θ;
/// each next item stays in the previous item's sub-cluster with probability 1/2 (sessions are
/// coherent, so history predicts the next item's first codes) or draws a fresh top cluster
/// from θ. Below the chosen prefix the path follows fixed cluster popularities, and the item
/// is uniform within its leaf (no repeats within a block where avoidable).
///
/// Drift: block t has a trend τ_t that puts 0.4 and 0.3 of the mass on two top clusters that
/// were not the previous trend's (the rest spread evenly). Popularity moves as
/// π_t = (1−d)·π_{t−1} + d·τ_t with d = `driftStrength`; new users draw θ from π_t (favourite
/// 0.5, second 0.2, and 0.3·π_t), and returning users move as θ ← (1−d)·θ + d·θ_fresh.
/// So d = 0 keeps every block statistically alike, and d = 1 moves the dominant clusters at
/// every boundary.
public enum SyntheticDrift {
  /// The dataset name (and so the file prefix when written as a PESO directory).
  public static let datasetName = "synthetic"
  /// Probability that the next item stays in the previous item's sub-cluster.
  static let stayProbability = 0.5
  /// The trend's mass on its two dominant clusters; the rest is spread evenly.
  static let trendMass = [0.4, 0.3]

  /// Generates the dataset of `config` (the same config always gives the same dataset).
  public static func generate(_ config: SyntheticDriftConfig = SyntheticDriftConfig()) throws -> ContinualDataset {
    try generateWithGroundTruth(config).dataset
  }

  /// Generates the dataset and what was put into it.
  public static func generateWithGroundTruth(
    _ config: SyntheticDriftConfig = SyntheticDriftConfig()
  ) throws -> (dataset: ContinualDataset, truth: SyntheticGroundTruth) {
    try config.validate()
    var rng = SeededRNG(seed: config.seed)
    let catalogue = try SyntheticClusterCatalogue(config: config, rng: &rng)
    let topClusters = config.branching[0]
    let drift = config.driftStrength

    // Trends and popularity per block.
    var trends: [[Int]] = []
    var popularity: [[Double]] = []
    for t in 0..<config.numBlocks {
      let excluded = trends.last ?? []
      let candidates = (0..<topClusters).filter { !excluded.contains($0) }
      let trend = Array(shuffled(candidates, rng: &rng).prefix(trendMass.count))
      trends.append(trend)
      var tau = [Double](repeating: (1 - trendMass.reduce(0, +)) / Double(topClusters), count: topClusters)
      for (cluster, mass) in zip(trend, trendMass) { tau[cluster] += mass }
      if let before = popularity.last, t > 0 {
        popularity.append(zip(before, tau).map { (1 - drift) * $0 + drift * $1 })
      } else {
        popularity.append(tau)
      }
    }

    // Users block by block.
    var users: [SyntheticUser] = []  // every user ever created; id = position
    var blockMembers: [[Int]] = []
    var blocks: [DataBlock] = []
    var tastes: [[[Double]]] = []
    for t in 0..<config.numBlocks {
      var members: [Int] = []
      if let before = blockMembers.last {
        let returning = min(before.count, Int((config.returningShare * Double(config.usersPerBlock)).rounded()))
        members = shuffled(before, rng: &rng).prefix(returning).sorted()
        for user in members {
          let fresh = freshTaste(popularity[t], rng: &rng)
          users[user].taste = zip(users[user].taste, fresh).map { (1 - drift) * $0 + drift * $1 }
        }
      }
      while members.count < config.usersPerBlock {
        members.append(users.count)
        users.append(SyntheticUser(taste: freshTaste(popularity[t], rng: &rng), history: []))
      }
      var blockUsers: [UserBlock] = []
      for user in members {
        let length = sequenceLength(config, rng: &rng)
        let current = catalogue.sequence(length: length, taste: users[user].taste, rng: &rng)
        blockUsers.append(UserBlock(userID: String(user), previous: users[user].history, current: current))
        users[user].history += current
      }
      blockMembers.append(members)
      blocks.append(DataBlock(index: t, users: blockUsers))
      tastes.append(members.map { users[$0].taste })
    }

    let source =
      "synthetic(seed \(config.seed), drift \(config.driftStrength), \(config.numBlocks) blocks × "
      + "\(config.usersPerBlock) users, \(config.numItems) items)"
    let dataset = try ContinualDataset(
      name: datasetName, source: source, items: catalogue.itemIndex, blocks: blocks)
    let truth = SyntheticGroundTruth(
      itemTopCluster: catalogue.itemPaths.map { $0[0] }, topClusterCodes: catalogue.codeOfChild[0],
      clusterPopularity: popularity, trendClusters: trends,
      dominantClusters: popularity.map { pi in
        Array(pi.indices.sorted { pi[$0] != pi[$1] ? pi[$0] > pi[$1] : $0 < $1 }.prefix(trendMass.count))
      },
      userTastes: tastes)
    return (dataset, truth)
  }

  // MARK: - Pieces

  /// A new taste drawn around π: a favourite (0.5), a second favourite (0.2), and 0.3·π.
  static func freshTaste(_ pi: [Double], rng: inout SeededRNG) -> [Double] {
    let favourite = sampleIndex(pi, rng: &rng)
    var others = pi
    others[favourite] = 0
    let second = sampleIndex(others, rng: &rng)
    var taste = pi.map { 0.3 * $0 }
    taste[favourite] += 0.5
    taste[second] += 0.2
    return taste
  }

  /// A current_block length: 3 + a rounded exponential, so the mean is about `meanItemsPerUser`.
  static func sequenceLength(_ config: SyntheticDriftConfig, rng: inout SeededRNG) -> Int {
    let extra = -Foundation.log(1 - rng.nextUniform()) * (config.meanItemsPerUser - 3)
    let cap = min(config.numItems / 2, Int(10 * config.meanItemsPerUser))
    return min(3 + Int(extra.rounded()), max(cap, 3))
  }

  /// A draw from unnormalized non-negative weights (the last positive one on round-off).
  static func sampleIndex(_ weights: [Double], rng: inout SeededRNG) -> Int {
    let total = weights.reduce(0, +)
    var u = rng.nextUniform() * total
    var last = 0
    for (i, w) in weights.enumerated() where w > 0 {
      if u < w { return i }
      u -= w
      last = i
    }
    return last
  }

  /// Fisher–Yates with our own generator, so the order is the same on every platform.
  static func shuffled<T>(_ values: [T], rng: inout SeededRNG) -> [T] {
    var out = values
    var i = out.count - 1
    while i > 0 {
      let j = Int(rng.next() % UInt64(i + 1))
      out.swapAt(i, j)
      i -= 1
    }
    return out
  }
}

/// A synthetic user: the current taste over top clusters and all items so far.
private struct SyntheticUser {
  var taste: [Double]
  var history: [Int]
}

/// The cluster tree, the items in its leaves, their codes, and how sequences walk it.
struct SyntheticClusterCatalogue {
  let branching: [Int]
  /// `codeOfChild[level][child]`: the code of the child-th cluster at a cluster level.
  let codeOfChild: [[Int]]
  /// Popularity of each cluster node at levels ≥ 1, `[level][node]`, node = parent·b + child.
  let nodeWeights: [[Double]]
  /// Items of each leaf cluster.
  let leafItems: [[Int]]
  /// The cluster path of each item.
  let itemPaths: [[Int]]
  let itemIndex: ItemIndex

  init(config: SyntheticDriftConfig, rng: inout SeededRNG) throws {
    branching = config.branching
    let k = config.codebookSize
    // Children → codes spread over 0..<K with K−1 included, shuffled per level.
    let childCodes = config.branching.map { children in
      let spread = (0..<children).map { children == 1 ? 0 : $0 * (k - 1) / (children - 1) }
      return SyntheticDrift.shuffled(spread, rng: &rng)
    }
    codeOfChild = childCodes
    var weights: [[Double]] = [[]]
    var nodes = config.branching[0]
    for level in 1..<config.branching.count {
      nodes *= config.branching[level]
      weights.append((0..<nodes).map { _ in Foundation.exp(0.8 * rng.nextNormal()) })
    }
    nodeWeights = weights

    // Items to leaves: a shuffled round robin, so every leaf has ⌊n/L⌋ or ⌈n/L⌉ items.
    let leaves = config.leafClusters
    let order = SyntheticDrift.shuffled(Array(0..<config.numItems), rng: &rng)
    var leafItems = [[Int]](repeating: [], count: leaves)
    var itemLeaf = [Int](repeating: 0, count: config.numItems)
    var itemRank = [Int](repeating: 0, count: config.numItems)
    for (position, item) in order.enumerated() {
      let leaf = position % leaves
      itemLeaf[item] = leaf
      itemRank[item] = leafItems[leaf].count
      leafItems[leaf].append(item)
    }
    self.leafItems = leafItems

    var paths: [[Int]] = []
    var codes: [[Int]] = []
    var titles: [String] = []
    for item in 0..<config.numItems {
      let path = SyntheticClusterCatalogue.path(ofLeaf: itemLeaf[item], branching: config.branching)
      paths.append(path)
      // The last level tells a leaf's items apart; past K items per leaf tuples collide.
      codes.append(path.enumerated().map { childCodes[$0.offset][$0.element] } + [itemRank[item] % k])
      titles.append("cluster \(path.map(String.init).joined(separator: ".")) item \(itemRank[item])")
    }
    itemPaths = paths
    itemIndex = try ItemIndex(
      itemIDs: (0..<config.numItems).map(String.init), codes: codes, titles: titles, path: SyntheticDrift.datasetName)
  }

  /// The child indices from the top cluster down to a leaf (mixed radix, top first).
  static func path(ofLeaf leaf: Int, branching: [Int]) -> [Int] {
    var rest = leaf
    var path = [Int](repeating: 0, count: branching.count)
    for level in stride(from: branching.count - 1, through: 0, by: -1) {
      path[level] = rest % branching[level]
      rest /= branching[level]
    }
    return path
  }

  /// Completes a path prefix by the fixed popularities and returns the leaf index.
  func leaf(extending prefix: [Int], rng: inout SeededRNG) -> Int {
    var node = 0
    for (level, child) in prefix.enumerated() { node = node * branching[level] + child }
    for level in prefix.count..<branching.count {
      let first = node * branching[level]
      let child = SyntheticDrift.sampleIndex(Array(nodeWeights[level][first..<(first + branching[level])]), rng: &rng)
      node = first + child
    }
    return node
  }

  /// One user's current_block: coherent sessions inside sub-clusters, fresh picks from θ.
  func sequence(length: Int, taste: [Double], rng: inout SeededRNG) -> [Int] {
    let stayDepth = min(2, branching.count)
    var items: [Int] = []
    var lastPath: [Int]? = nil
    for _ in 0..<length {
      var chosen = 0
      for _ in 0..<10 {
        let prefix: [Int]
        if let lastPath, rng.nextUniform() < SyntheticDrift.stayProbability {
          prefix = Array(lastPath.prefix(stayDepth))
        } else {
          prefix = [SyntheticDrift.sampleIndex(taste, rng: &rng)]
        }
        let candidates = leafItems[leaf(extending: prefix, rng: &rng)]
        chosen = candidates[Int(rng.next() % UInt64(candidates.count))]
        if !items.contains(chosen) { break }
      }
      items.append(chosen)
      lastPath = itemPaths[chosen]
    }
    return items
  }
}
