import ArgumentParser
import Foundation
import LorascopeEngine

extension DataCommand {
  /// `lorascope data build`: interaction files in, a PESO dataset directory out (Docs/Design.md §4.4).
  struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Build a PESO dataset (chronological blocks, semantic IDs, build.json) from interaction files.",
      discussion: """
        Input: CSV or TSV with a header, RecBole .inter, or JSON Lines; columns user_id|user, \
        item_id|parent_asin|asin|item, timestamp (seconds or milliseconds), optional rating.
        """)

    @Option(name: .customLong("interactions"), parsing: .upToNextOption, help: "Interaction files, read in order.")
    var interactions: [String] = []

    @Option(help: "Output dataset directory (written atomically).")
    var out: String

    @Option(help: "Dataset name, the prefix of its files (default: the last component of --out).")
    var name: String?

    @Option(name: .customLong("min-rating"), help: "Leave out rows rated below this.")
    var minRating: Double?

    @Option(name: .customLong("min-user"), help: "k-core: interactions every user keeps at least (0: no filter).")
    var minUser = 0

    @Option(name: .customLong("min-item"), help: "k-core: interactions every item keeps at least (0: no filter).")
    var minItem = 0

    @Option(name: .customLong("min-block-items"), help: "Items a user needs in a block to take part in it (the released data: 5).")
    var minBlockItems = 5

    @Option(name: .customLong("first-block"), help: "Block 0's share of the interactions by time.")
    var firstBlock = 0.6

    @Option(help: "Number of blocks (block 0 and equal-count blocks after it).")
    var blocks = 5

    @Option(help: "Explicit start timestamps of blocks 1, 2, … (comma-separated, the input's unit); replaces --first-block and --blocks.")
    var boundaries: String?

    @Option(help: "Residual k-means levels (one more level numbers items that share a tuple).")
    var levels = 3

    @Option(help: "Codes per k-means level.")
    var codebook = 256

    @Option(name: .customLong("embedding-dim"), help: "Dimension of the collaborative item vectors.")
    var embeddingDim = 32

    @Option(name: .customLong("kmeans-iterations"), help: "Lloyd passes per level at most.")
    var kmeansIterations = 25

    @Option(name: .customLong("item-embeddings"), help: "Item vectors [n_items, d], float32 or float64: a .npy file, or a .safetensors file of one tensor (instead of collaborative ones).")
    var itemEmbeddings: String?

    @Option(name: .customLong("item-ids"), help: "The item ids of --item-embeddings' rows, one a line.")
    var itemIds: String?

    @Option(help: "Seed of the embeddings and k-means.")
    var seed: UInt64 = 0

    @Flag(help: "Replace an existing directory.")
    var overwrite = false

    @Flag(help: "Print build.json's record instead of the summary.")
    var json = false

    func options() throws -> DatasetBuildOptions {
      var o = DatasetBuildOptions(interactions: interactions, out: out)
      o.name = name
      o.minimumRating = minRating
      o.minimumPerUser = minUser
      o.minimumPerItem = minItem
      o.minimumPerBlock = minBlockItems
      o.firstBlockShare = firstBlock
      o.blocks = blocks
      if let boundaries {
        o.boundaries = try boundaries.split(separator: ",").map { text in
          guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--boundaries: \(text) is not a number")
          }
          return value
        }
      }
      o.levels = levels
      o.codebookSize = codebook
      o.embeddingDimension = embeddingDim
      o.kMeansIterations = kmeansIterations
      o.itemEmbeddings = itemEmbeddings
      o.itemIDs = itemIds
      o.seed = seed
      o.overwrite = overwrite
      return o
    }

    mutating func validate() throws {
      guard !interactions.isEmpty else { throw ValidationError("give at least one file with --interactions") }
      do { try options().validate() } catch let error as LorascopeError { throw ValidationError(error.description) }
    }

    func run() throws {
      let record = try DatasetBuilder.build(try options())
      if json { try printJSON(record) } else { print(record.summary()) }
    }
  }
}
