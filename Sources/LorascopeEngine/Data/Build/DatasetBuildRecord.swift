import Foundation

/// build.json: what `data build` read, with which parameters, what each step removed and how
/// long each took (Docs/Design.md §4.4). With it a build can be checked and repeated: the same
/// inputs (same SHA-256) and parameters give the same block and index files, byte for byte.
public struct DatasetBuildRecord: Codable, Sendable {
  public struct Input: Codable, Sendable {
    let path: String
    let sha256: String
    let bytes: Int
    let format: String
    let userColumn: String
    let itemColumn: String
    let timestampColumn: String
    let ratingColumn: String?
    let rows: Int
    let belowMinimumRating: Int
  }

  /// The counts of every step, in order.
  public struct Counts: Codable, Sendable {
    public let rowsRead: Int
    public let belowMinimumRating: Int
    public let duplicatesRemoved: Int
    let kCore: InteractionCleaning.CoreCounts
    /// Interactions, users and items after cleaning, before the blocks.
    public let cleanInteractions: Int
    public let cleanUsers: Int
    public let cleanItems: Int
    let blocks: [ChronologicalBlocks.BlockCounts]
    /// What the dataset holds.
    public let users: Int
    public let items: Int
    public let interactions: Int
  }

  public struct Seconds: Codable, Sendable {
    public let read: Double
    public let clean: Double
    public let blocks: Double
    public let codes: Double
    public let write: Double
    public let total: Double
  }

  public let format: String
  public let name: String
  public let inputs: [Input]
  public let parameters: DatasetBuildOptions
  public let timestampUnit: TimestampUnit
  public let counts: Counts
  let codes: SemanticIDAssignment.Record
  public let seconds: Seconds

  /// A few lines for the terminal.
  public func summary() -> String {
    var lines = [
      "read      \(counts.rowsRead) rows from \(inputs.count) file\(inputs.count == 1 ? "" : "s") (timestamps in \(timestampUnit.rawValue))"
    ]
    if parameters.minimumRating != nil { lines.append("rating    \(counts.belowMinimumRating) rows below --min-rating left out") }
    lines.append("clean     \(counts.duplicatesRemoved) duplicate (user, item) pairs removed; k-core removed \(counts.kCore.interactionsRemoved) interactions, \(counts.kCore.usersRemoved) users, \(counts.kCore.itemsRemoved) items in \(counts.kCore.iterations) passes")
    for block in counts.blocks {
      lines.append("block \(block.index)   \(block.usersKept) users, \(block.interactionsKept) interactions (dropped \(block.usersDropped) users with fewer than \(parameters.minimumPerBlock) items, \(block.interactionsDropped) interactions)")
    }
    lines.append("codes     \(counts.items) items, \(parameters.levels) k-means levels (K = \(parameters.codebookSize)) on \(codes.source) vectors (d = \(codes.dimension)) + 1 level for items sharing a tuple (at most \(codes.largestSharedTuple) share one)")
    lines.append("wrote     \(counts.users) users, \(counts.interactions) interactions in \(String(format: "%.1f", seconds.total)) s")
    return lines.joined(separator: "\n")
  }
}
