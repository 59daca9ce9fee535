import Foundation

/// The item index of an exported stage: how a user's items become code tokens and how a
/// generated code tuple becomes items again (Docs/Design.md §1, §2, §6).
///
/// Three files, written atomically into one directory:
/// - `<name>.index.json`: item id → `["<a_12>", "<b_7>", "<c_250>", "<d_3>"]`, the PESO release
///   format, one item per line in lorascope's dense-index order (what `PESODatasetLoader` reads);
/// - `tuples.json`: the reverse map, code tuple spelled as the concatenated tokens
///   ("<a_12><b_7><c_250><d_3>", what the tokenizer's Fuse decoder prints) → the item ids that
///   have it, tuples in lexicographic code order, each tuple's items in index order;
/// - `items.json`: counts and the collision rule.
///
/// Collisions: several items can share one code tuple (Video_Games: 228 items repeat an earlier
/// item's tuple). The model cannot tell them apart; it generates a tuple, a hit is code-tuple
/// equality (Docs/Design.md §2), and a recommended tuple stands for all of its items. Nothing is
/// re-coded: `tuples.json` lists every item of a shared tuple, and the first one listed (the
/// earliest in the index file) is the representative when one item must be shown.
public enum ItemIndexExport {
  public static let tuplesFile = "tuples.json"
  public static let summaryFile = "items.json"

  /// The PESO index file name for dataset `name`.
  public static func indexFileName(datasetName name: String) -> String { "\(name).index.json" }

  /// The concatenated spelling of a code tuple, e.g. "<a_12><b_7><c_250><d_3>".
  public static func tupleKey(_ codes: [Int]) throws -> String {
    try codes.enumerated().map { try HFTokenizerFiles.codeTokenName(level: $0.offset, code: $0.element) }.joined()
  }

  /// Counts of the index, as `items.json` states them.
  public struct Summary: Codable, Equatable, Sendable {
    public var dataset: String
    public var items: Int
    public var levels: Int
    public var codebookSize: Int
    /// Distinct code tuples (the leaves of the trie the beam search walks).
    public var distinctTuples: Int
    /// Tuples held by more than one item.
    public var sharedTuples: Int
    /// Items whose tuple equals that of an earlier item (`ItemIndex.codeTupleCollisions`).
    public var itemsRepeatingATuple: Int
    public var indexFile: String
    public var tuplesFile: String
    public var tokenRule: String
    public var collisionRule: String

    enum CodingKeys: String, CodingKey {
      case dataset, items, levels
      case codebookSize = "codebook_size"
      case distinctTuples = "distinct_tuples"
      case sharedTuples = "shared_tuples"
      case itemsRepeatingATuple = "items_repeating_a_tuple"
      case indexFile = "index_file"
      case tuplesFile = "tuples_file"
      case tokenRule = "token_rule"
      case collisionRule = "collision_rule"
    }
  }

  /// Writes the three files into `directory`, creating it if needed.
  ///
  /// - Throws: `LorascopeError.invalidConfiguration` for more than 26 levels, `.io` when a file
  ///   cannot be written.
  @discardableResult
  public static func write(items: ItemIndex, datasetName: String, to directory: URL) throws -> Summary {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw LorascopeError.io("cannot create \(directory.path): \(error.localizedDescription)")
    }
    guard items.levels <= HFTokenizerFiles.maximumLevels else {
      throw LorascopeError.invalidConfiguration(
        "\(items.levels) levels cannot be spelled in the PESO token format (at most \(HFTokenizerFiles.maximumLevels))")
    }
    let trie = try ItemTrie(codes: items.codes, codebookSize: items.codebookSize)
    let indexName = indexFileName(datasetName: datasetName)
    try AtomicFile.write(PESODatasetWriter.indexJSON(items), to: directory.appendingPathComponent(indexName))
    let (tuples, shared) = try tuplesJSON(items: items, trie: trie)
    try AtomicFile.write(tuples, to: directory.appendingPathComponent(tuplesFile))
    let summary = Summary(
      dataset: datasetName, items: items.numItems, levels: items.levels, codebookSize: items.codebookSize,
      distinctTuples: trie.tupleCount, sharedTuples: shared, itemsRepeatingATuple: items.codeTupleCollisions,
      indexFile: indexName, tuplesFile: tuplesFile,
      tokenRule: "token id = 3 + level*\(items.codebookSize) + code; <pad>=0, <s>=1, </s>=2",
      collisionRule:
        "items sharing a code tuple are not told apart: the model generates a tuple, a hit is code-tuple "
        + "equality, and a generated tuple stands for every item listed under it in \(tuplesFile) "
        + "(index-file order; the first is the representative)")
    try AtomicFile.writeJSON(summary, to: directory.appendingPathComponent(summaryFile))
    return summary
  }

  /// `{"<a_..><b_..>…": ["item", …], …}` one tuple per line, and the number of shared tuples.
  static func tuplesJSON(items: ItemIndex, trie: ItemTrie) throws -> (Data, Int) {
    var out = DatasetJSONText()
    var shared = 0
    out.raw("{\n")
    for index in 0..<trie.tupleCount {
      guard let tuple = trie.tuple(at: index) else { continue }
      let holders = trie.items(atLeaf: tuple)
      if holders.count > 1 { shared += 1 }
      out.raw("  ")
      out.string(try tupleKey(tuple))
      out.raw(": [")
      for (position, item) in holders.enumerated() {
        if position > 0 { out.raw(", ") }
        out.string(items.itemIDs[item])
      }
      out.raw(index + 1 < trie.tupleCount ? "],\n" : "]\n")
    }
    out.raw("}\n")
    return (out.data, shared)
  }
}
