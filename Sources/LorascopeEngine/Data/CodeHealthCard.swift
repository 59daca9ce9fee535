import Foundation

/// The health of a dataset's semantic IDs (`lorascope data check`, Docs/Design.md §4.4): how many
/// items share a code tuple, how evenly each level uses its codebook, and how the codes of the
/// items new in each block are spread. Unhealthy codes — collisions, a level where a few codes
/// take most items, a collapsed codebook — cap what any model can learn, whatever λ.
public struct CodeHealthCard: Sendable, Equatable, Codable {
  public struct Level: Sendable, Equatable, Codable {
    public let level: Int
    /// Distinct codes the items use, of the codebook's K.
    public let codesUsed: Int
    public let codebookSize: Int
    /// Entropy of the items' codes in bits, and its perplexity 2^H (the number of equally used
    /// codes with the same entropy).
    public let entropyBits: Double
    public let perplexity: Double
    /// The share of the items that has the most common code.
    public let largestShare: Double
    /// The level only numbers the items that share the earlier levels' codes 0, 1, 2, … (as
    /// `data build`'s last level does); low entropy is then its purpose, not a fault.
    public let numbersSharedTuples: Bool
    /// A level where few codes take most items (see `collapsed(_:)`).
    public let collapsed: Bool
  }

  /// The items first referenced in a block, and how their first-level codes spread.
  public struct NewItems: Sendable, Equatable, Codable {
    public let block: Int
    public let items: Int
    public let firstLevelCodesUsed: Int
    public let firstLevelPerplexity: Double
    /// Of the new items, the share whose first-level code no earlier item has.
    public let shareInCodesNewToTheBlock: Double
  }

  public let items: Int
  /// Distinct full code tuples, and the items per tuple (1 when every item has its own).
  public let tuples: Int
  public let itemsPerTuple: Double
  /// The most items that share one tuple.
  public let largestTuple: Int
  public let levels: [Level]
  public let newItems: [NewItems]
  /// Plain sentences for what looks wrong (empty when nothing does).
  public let warnings: [String]

  /// A level has collapsed when one code holds more than half the items, or when its perplexity
  /// is under a twentieth of the codes it could use (min(K, items)), e.g. under 12.8 of 256.
  static func collapsed(perplexity: Double, largestShare: Double, codebookSize: Int, items: Int) -> Bool {
    guard items > 1 else { return false }
    return largestShare > 0.5 || perplexity < Double(min(codebookSize, items)) / 20
  }

  /// Entropy in bits of a histogram.
  static func entropyBits<C: Collection>(_ counts: C) -> Double where C.Element == Int {
    let total = Double(counts.reduce(0, +))
    guard total > 0 else { return 0 }
    var h = 0.0
    for count in counts where count > 0 {
      let p = Double(count) / total
      h -= p * log2(p)
    }
    return h
  }

  /// Computes the card from the item index and the order in which blocks first reference items.
  init(items index: ItemIndex, blocks: [DataBlock]) {
    let n = index.numItems
    var tupleCounts: [[Int]: Int] = [:]
    for codes in index.codes { tupleCounts[codes, default: 0] += 1 }
    items = n
    tuples = tupleCounts.count
    itemsPerTuple = tupleCounts.isEmpty ? 0 : Double(n) / Double(tupleCounts.count)
    largestTuple = tupleCounts.values.max() ?? 0

    var levelCards: [Level] = []
    var warnings: [String] = []
    for level in 0..<index.levels {
      var counts: [Int: Int] = [:]
      for codes in index.codes { counts[codes[level], default: 0] += 1 }
      let entropy = Self.entropyBits(Array(counts.values))
      let perplexity = pow(2, entropy)
      let largestShare = n > 0 ? Double(counts.values.max() ?? 0) / Double(n) : 0
      var numbering = false
      if level == index.levels - 1 && level > 0 {
        var next: [ArraySlice<Int>: Int] = [:]
        numbering = true
        for codes in index.codes {
          let prefix = codes[0..<level]
          let expected = next[prefix, default: 0]
          if codes[level] != expected {
            numbering = false
            break
          }
          next[prefix] = expected + 1
        }
      }
      let collapsed = !numbering && Self.collapsed(
        perplexity: perplexity, largestShare: largestShare, codebookSize: index.codebookSize, items: n)
      if collapsed {
        let letter = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(level)))
        warnings.append(
          "level \(letter) has collapsed: its items use \(counts.count) of \(index.codebookSize) codes as evenly as \(String(format: "%.1f", perplexity)) would, and one code holds \(String(format: "%.0f", largestShare * 100)) % of the items")
      }
      levelCards.append(
        Level(
          level: level, codesUsed: counts.count, codebookSize: index.codebookSize, entropyBits: entropy,
          perplexity: perplexity, largestShare: largestShare, numbersSharedTuples: numbering, collapsed: collapsed))
    }
    if largestTuple > 1 {
      let shared = tupleCounts.values.filter { $0 > 1 }.reduce(0, +)
      if Double(shared) > 0.1 * Double(n) {
        warnings.append("\(shared) items (\(String(format: "%.0f", 100 * Double(shared) / Double(max(n, 1)))) %) share their code tuple with another item: the model cannot tell them apart")
      }
    }
    levels = levelCards

    // New items per block, in the order blocks first reference them.
    var seen = [Bool](repeating: false, count: n)
    var codesSeen = Set<Int>()
    var newItemCards: [NewItems] = []
    for block in blocks {
      var fresh: [Int] = []
      for user in block.users {
        for item in user.previous + user.current where !seen[item] {
          seen[item] = true
          fresh.append(item)
        }
      }
      var counts: [Int: Int] = [:]
      var inNewCodes = 0
      for item in fresh {
        let code = index.codes[item][0]
        counts[code, default: 0] += 1
        if !codesSeen.contains(code) { inNewCodes += 1 }
      }
      for item in fresh { codesSeen.insert(index.codes[item][0]) }
      newItemCards.append(
        NewItems(
          block: block.index, items: fresh.count, firstLevelCodesUsed: counts.count,
          firstLevelPerplexity: pow(2, Self.entropyBits(Array(counts.values))),
          shareInCodesNewToTheBlock: fresh.isEmpty ? 0 : Double(inNewCodes) / Double(fresh.count)))
    }
    newItems = newItemCards
    self.warnings = warnings
  }

  /// One line: "codes: 25935 items on 25707 tuples (1.01 a tuple), no cautions".
  public var summary: String {
    "codes: \(items) items on \(tuples) tuples (\(String(format: "%.2f", itemsPerTuple)) a tuple, at most \(largestTuple)), "
      + (warnings.isEmpty ? "no cautions" : "\(warnings.count) caution\(warnings.count == 1 ? "" : "s")")
  }

  /// The card as text for `data check`.
  public func render() -> String {
    var lines = ["codes        " + summary.dropFirst("codes: ".count)]
    for level in levels {
      let letter = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(level.level)))
      var line = "  level \(letter)    \(level.codesUsed)/\(level.codebookSize) codes used, entropy \(String(format: "%.2f", level.entropyBits)) bits, perplexity \(String(format: "%.1f", level.perplexity)), largest share \(String(format: "%.1f", level.largestShare * 100)) %"
      if level.numbersSharedTuples { line += " (numbers items sharing a tuple)" }
      if level.collapsed { line += "  COLLAPSED" }
      lines.append(line)
    }
    for block in newItems {
      lines.append(
        "  new in \(block.block)   \(block.items) items over \(block.firstLevelCodesUsed) first-level codes (perplexity \(String(format: "%.1f", block.firstLevelPerplexity))), \(String(format: "%.1f", block.shareInCodesNewToTheBlock * 100)) % in codes no earlier item has")
    }
    // "caution:", as run's other data notes: a line starting "warning:" reads as a compiler
    // warning to tools (and to CI's check) that scan output.
    for warning in warnings { lines.append("caution: \(warning)") }
    return lines.joined(separator: "\n")
  }
}

extension ContinualDataset {
  /// The code health card of this dataset (without the rest of `statistics()`, for `run`'s header).
  public var codeHealth: CodeHealthCard { CodeHealthCard(items: items, blocks: blocks) }
}
