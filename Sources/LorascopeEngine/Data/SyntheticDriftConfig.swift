/// The knobs of the built-in synthetic drift data (Docs/Design.md §4), sized by default for a
/// classroom: 5 blocks of 400 users over 400 items, K = 16, vocabulary 3 + 4·16 = 67.
public struct SyntheticDriftConfig: Sendable, Equatable, Hashable, Codable {
  /// Everything is drawn from this seed; the same config gives the same dataset.
  public var seed: UInt64
  /// Blocks D_0..D_{T-1}.
  public var numBlocks: Int
  /// Users in every block (returning plus new ones).
  public var usersPerBlock: Int
  /// Items in the catalogue.
  public var numItems: Int
  /// Codes per item: `levels - 1` cluster levels, then one level that tells the items of a
  /// leaf cluster apart.
  public var levels: Int
  /// Codes per level; every code is below it, so the vocabulary is at most 3 + levels·K.
  public var codebookSize: Int
  /// Children per cluster at each cluster level (`levels - 1` entries, each ≤ `codebookSize`):
  /// [8, 3, 3] is 8 top clusters, each with 3 sub-clusters of 3 leaf clusters.
  public var branching: [Int]
  /// 0…1: how far the popularity of top clusters, and each returning user's taste, moves at
  /// a block boundary toward the next block's trend. 0 keeps blocks statistically alike;
  /// 1 replaces the dominant clusters of block t−1 by others in block t.
  public var driftStrength: Double
  /// 0…1: the share of block t's users that come back in block t+1 (with their history as
  /// `previous_block`); the rest of block t+1 are new users.
  public var returningShare: Double
  /// Mean length of a user's current_block (at least 3, so every user is eligible, Docs/Design.md §4).
  public var meanItemsPerUser: Double

  /// The generator seed of the built-in `synthetic` dataset: part of the dataset's identity
  /// (its fingerprint), independent of a run's `--seed`.
  public static let defaultSeed: UInt64 = 42

  public init(
    seed: UInt64 = SyntheticDriftConfig.defaultSeed, numBlocks: Int = 5, usersPerBlock: Int = 400, numItems: Int = 400,
    levels: Int = 4, codebookSize: Int = 16, branching: [Int] = [8, 3, 3],
    driftStrength: Double = 0.6, returningShare: Double = 0.5, meanItemsPerUser: Double = 8
  ) {
    self.seed = seed
    self.numBlocks = numBlocks
    self.usersPerBlock = usersPerBlock
    self.numItems = numItems
    self.levels = levels
    self.codebookSize = codebookSize
    self.branching = branching
    self.driftStrength = driftStrength
    self.returningShare = returningShare
    self.meanItemsPerUser = meanItemsPerUser
  }

  /// The number of leaf clusters, the product of `branching`.
  public var leafClusters: Int { branching.reduce(1, *) }

  /// Checks the ranges the generator relies on.
  public func validate() throws {
    func fail(_ why: String) -> LorascopeError { .invalidConfiguration("synthetic data: \(why)") }
    guard (1...1000).contains(numBlocks) else { throw fail("numBlocks must be in 1...1000, got \(numBlocks)") }
    guard (1...1_000_000).contains(usersPerBlock) else {
      throw fail("usersPerBlock must be in 1...1000000, got \(usersPerBlock)")
    }
    guard (2...26).contains(levels) else { throw fail("levels must be in 2...26, got \(levels)") }
    guard (2...4096).contains(codebookSize) else { throw fail("codebookSize must be in 2...4096, got \(codebookSize)") }
    guard branching.count == levels - 1 else {
      throw fail("branching needs \(levels - 1) entries (one per cluster level), got \(branching.count)")
    }
    guard branching[0] >= 4 else {
      throw fail("branching[0] must be at least 4 so the two dominant top clusters can move to two others, got \(branching[0])")
    }
    for (level, children) in branching.enumerated() where !(1...codebookSize).contains(children) {
      throw fail("branching[\(level)] must be in 1...\(codebookSize) (the codebook size), got \(children)")
    }
    guard leafClusters <= 1_000_000 else { throw fail("\(leafClusters) leaf clusters is too many") }
    guard numItems >= leafClusters, numItems <= 10_000_000 else {
      throw fail("numItems must be in \(leafClusters)...10000000 (at least one item per leaf cluster), got \(numItems)")
    }
    guard (0...1).contains(driftStrength) else { throw fail("driftStrength must be in 0...1, got \(driftStrength)") }
    guard (0...1).contains(returningShare) else { throw fail("returningShare must be in 0...1, got \(returningShare)") }
    guard meanItemsPerUser >= 3, meanItemsPerUser <= 1000 else {
      throw fail("meanItemsPerUser must be in 3...1000, got \(meanItemsPerUser)")
    }
    guard Double(numItems) >= 2 * meanItemsPerUser else {
      throw fail("numItems (\(numItems)) must be at least twice meanItemsPerUser (\(meanItemsPerUser))")
    }
  }
}
