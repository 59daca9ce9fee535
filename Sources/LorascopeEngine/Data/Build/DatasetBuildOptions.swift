/// Every parameter of `lorascope data build` (Docs/Design.md §4.4); recorded whole in build.json.
public struct DatasetBuildOptions: Sendable, Codable, Equatable {
  /// Interaction files (CSV, TSV, RecBole `.inter`, JSON Lines), read in this order.
  public var interactions: [String]
  /// The dataset directory to write.
  public var out: String
  /// The file prefix of the dataset (default: the last component of `out`).
  public var name: String?
  /// Rows with a rating below this are left out (needs a rating column).
  public var minimumRating: Double?
  /// k-core: every user and item keeps at least this many interactions (0 or 1: no filter).
  public var minimumPerUser = 0
  public var minimumPerItem = 0
  /// A user takes part in a block with at least this many items there (the released data: 5).
  public var minimumPerBlock = 5
  /// Block 0's share of the interactions, and the number of blocks (when `boundaries` is nil).
  public var firstBlockShare = 0.6
  public var blocks = 5
  /// Explicit start timestamps of blocks 1, 2, … (in the input's unit).
  public var boundaries: [Double]?
  /// Residual k-means levels and their codebook size; one more level numbers the items sharing a tuple.
  public var levels = 3
  public var codebookSize = 256
  /// Dimension of the collaborative vectors.
  public var embeddingDimension = 32
  /// Lloyd passes per level at most.
  public var kMeansIterations = 25
  /// A `.npy` of item vectors and its id list, instead of collaborative vectors.
  public var itemEmbeddings: String?
  public var itemIDs: String?
  public var seed: UInt64 = 0
  /// Replace an existing directory.
  public var overwrite = false

  public init(interactions: [String], out: String) {
    self.interactions = interactions
    self.out = out
  }

  /// Checks the values that do not need the data.
  public func validate() throws {
    func fail(_ why: String) -> LorascopeError { .invalidConfiguration(why) }
    guard !interactions.isEmpty else { throw fail("give at least one --interactions file") }
    guard minimumPerBlock >= ContinualDataset.minimumCurrentItems else {
      throw fail("--min-block-items must be at least \(ContinualDataset.minimumCurrentItems) (one item to train on, one to validate, one to test), not \(minimumPerBlock)")
    }
    if let minimumRating, !minimumRating.isFinite { throw fail("--min-rating must be a finite number, not \(minimumRating)") }
    guard minimumPerUser >= 0, minimumPerItem >= 0 else { throw fail("--min-user and --min-item must not be negative") }
    if let boundaries {
      guard !boundaries.isEmpty, boundaries.allSatisfy(\.isFinite) else { throw fail("--boundaries needs at least one finite timestamp") }
    } else {
      guard firstBlockShare > 0, firstBlockShare < 1 else { throw fail("--first-block must be between 0 and 1, not \(firstBlockShare)") }
      guard blocks >= 2, blocks <= 1000 else { throw fail("--blocks must be between 2 and 1000, not \(blocks)") }
    }
    guard levels >= 1, levels <= 8 else { throw fail("--levels must be between 1 and 8, not \(levels)") }
    guard codebookSize >= 2, codebookSize <= ItemIndex.maximumCodebookSize else {
      throw fail("--codebook must be between 2 and \(ItemIndex.maximumCodebookSize), not \(codebookSize)")
    }
    guard embeddingDimension >= 1, embeddingDimension <= 1024 else { throw fail("--embedding-dim must be between 1 and 1024") }
    guard kMeansIterations >= 1 else { throw fail("--kmeans-iterations must be at least 1") }
    guard (itemEmbeddings == nil) == (itemIDs == nil) else { throw fail("--item-embeddings and --item-ids go together") }
  }
}
