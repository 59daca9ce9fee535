/// The item catalogue: item id strings ↔ dense indices, and each item's semantic-ID codes
/// (Docs/Design.md §1 vocabulary, §4 index file).
///
/// Item `i` (dense, `0..<numItems`) has one code per level; its tokens are
/// `3 + level·K + code` after the three special tokens PAD = 0, BOS = 1, EOS = 2.
/// K (`codebookSize`) is derived from the index itself: the largest code over all levels + 1,
/// so the released Video_Games index gives K = 256 and a vocabulary of 3 + 4·256 = 1027.
public struct ItemIndex: Sendable, Equatable {
  /// Item id strings in dense-index order (the order of the index file).
  public let itemIDs: [String]
  /// `codes[i][level]`: the code of item `i` at each level (`levels` entries per item).
  public let codes: [[Int]]
  /// Codes per item (4 in the released data).
  public let levels: Int
  /// K: the number of codes per level, derived as max code + 1 over all levels.
  public let codebookSize: Int
  /// Number of items whose code tuple equals that of an earlier item (228 in Video_Games).
  /// Such items cannot be told apart by the model; a hit is code-tuple equality (Docs/Design.md §2).
  public let codeTupleCollisions: Int
  /// Optional titles (empty string where an item has none), from `<name>.item.json`.
  public let titles: [String]?

  private let indexByID: [String: Int]
  private let itemsByCodes: [[Int]: [Int]]

  /// The largest K accepted (the released data has K = 256). K sizes the embedding and lm_head
  /// tables (3 + levels·K rows each); one stray code of 100 000 000 would otherwise ask `run` for
  /// hundreds of gigabytes.
  public static let maximumCodebookSize = 4096

  /// Builds and checks an index. `path` names the source in error messages.
  ///
  /// - Throws: `LorascopeError.invalidDataset` for an empty index, duplicate ids, an item
  ///   whose code count differs from the first item's, a negative code or one ≥
  ///   `maximumCodebookSize`, titles of the wrong
  ///   count, or a vocabulary that does not fit in Int32 tokens.
  public init(itemIDs: [String], codes: [[Int]], titles: [String]? = nil, path: String = "item index") throws {
    func fail(_ entry: String?, _ reason: String) -> LorascopeError {
      .invalidDataset(path: path, entry: entry, reason: reason)
    }
    guard !itemIDs.isEmpty else { throw fail(nil, "the item index is empty") }
    guard itemIDs.count == codes.count else {
      throw fail(nil, "\(itemIDs.count) item ids but \(codes.count) code lists")
    }
    if let titles, titles.count != itemIDs.count {
      throw fail(nil, "\(titles.count) titles for \(itemIDs.count) items")
    }
    let levels = codes[0].count
    guard levels > 0 else { throw fail("item \(ErrorQuote.quoted(itemIDs[0]))", "an item needs at least one code") }

    var indexByID: [String: Int] = [:]
    indexByID.reserveCapacity(itemIDs.count)
    var itemsByCodes: [[Int]: [Int]] = [:]
    itemsByCodes.reserveCapacity(itemIDs.count)
    var maxCode = 0
    var collisions = 0
    for (item, id) in itemIDs.enumerated() {
      let itemCodes = codes[item]
      guard itemCodes.count == levels else {
        throw fail(
          "item \(ErrorQuote.quoted(id))",
          "has \(itemCodes.count) codes but item \(ErrorQuote.quoted(itemIDs[0])) has \(levels) (mixed code lengths)")
      }
      for code in itemCodes {
        guard code >= 0 else { throw fail("item \(ErrorQuote.quoted(id))", "negative code \(code)") }
        guard code < Self.maximumCodebookSize else {
          throw fail(
            "item \(ErrorQuote.quoted(id))",
            "code \(code) is beyond the largest codebook lorascope trains (K ≤ \(Self.maximumCodebookSize), codes 0…\(Self.maximumCodebookSize - 1))")
        }
        maxCode = max(maxCode, code)
      }
      if indexByID.updateValue(item, forKey: id) != nil {
        throw fail("item \(ErrorQuote.quoted(id))", "the item id appears twice")
      }
      if itemsByCodes[itemCodes] != nil { collisions += 1 }
      itemsByCodes[itemCodes, default: []].append(item)
    }
    let codebookSize = maxCode + 1
    let (vocab, overflow) = codebookSize.multipliedReportingOverflow(by: levels)
    guard !overflow, vocab <= Int(Int32.max) - 3 else {
      throw fail(nil, "\(levels) levels × \(codebookSize) codes do not fit in 32-bit tokens")
    }

    self.itemIDs = itemIDs
    self.codes = codes
    self.levels = levels
    self.codebookSize = codebookSize
    self.codeTupleCollisions = collisions
    self.titles = titles
    self.indexByID = indexByID
    self.itemsByCodes = itemsByCodes
  }

  /// Number of items.
  public var numItems: Int { itemIDs.count }

  /// Vocabulary size: 3 special tokens + one token per (level, code) = 3 + levels·K.
  public var vocabSize: Int { 3 + levels * codebookSize }

  /// The dense index of an item id, or nil if the index does not know it.
  public func index(ofItemID id: String) -> Int? { indexByID[id] }

  /// The token of one code: 3 + level·K + code (Docs/Design.md §1).
  public func token(level: Int, code: Int) -> Int32 {
    Int32(TokenSequence.firstCodeToken) + Int32(level * codebookSize + code)
  }

  /// The (level, code) that a token stands for, or nil for a special or out-of-range token.
  public func levelAndCode(ofToken token: Int32) -> (level: Int, code: Int)? {
    let offset = Int(token) - Int(TokenSequence.firstCodeToken)
    guard offset >= 0, offset < levels * codebookSize else { return nil }
    return (offset / codebookSize, offset % codebookSize)
  }

  /// The `levels` tokens of an item, in level order.
  public func tokens(ofItem item: Int) -> [Int32] {
    codes[item].enumerated().map { token(level: $0.offset, code: $0.element) }
  }

  /// Every item with this code tuple (more than one where tuples collide), in index order.
  public func items(withCodes tuple: [Int]) -> [Int] { itemsByCodes[tuple] ?? [] }

  /// The title of an item, if the dataset has titles and this item has a non-empty one.
  public func title(ofItem item: Int) -> String? {
    guard let title = titles?[item], !title.isEmpty else { return nil }
    return title
  }
}
