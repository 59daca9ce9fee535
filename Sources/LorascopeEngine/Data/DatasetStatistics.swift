/// Counts that describe a dataset, block by block (for `lorascope data check`, Docs/Design.md §8).
public struct DatasetStatistics: Sendable, Equatable, Codable {
  /// The counts of one block D_t.
  public struct Block: Sendable, Equatable, Codable {
    public let index: Int
    /// Users in the block file.
    public let users: Int
    /// Users not present in any earlier block.
    public let newUsers: Int
    /// Users with at least 3 current items: the ones that yield train/valid/test examples (Docs/Design.md §4).
    public let eligibleUsers: Int
    /// Distinct items in the block's previous and current lists.
    public let itemsReferenced: Int
    /// Referenced items that no earlier block referenced.
    public let newItems: Int
    /// Interactions of the block: the sum of current_block lengths.
    public let interactions: Int
    /// Mean length of an eligible user's train list, previous + current[:-2] (Docs/Design.md §4).
    public let meanTrainSequenceLength: Double
    /// Packed training windows (`TrainingSequence`) at the given history length.
    public let trainWindows: Int
    /// Target items over all training windows.
    public let trainTargets: Int
  }

  public let name: String
  public let source: String
  public let fingerprint: String
  public let items: Int
  public let levels: Int
  public let codebookSize: Int
  public let vocabSize: Int
  public let codeTupleCollisions: Int
  public let hasTitles: Bool
  /// The history length the windows were packed with.
  public let maxHistory: Int
  public let blocks: [Block]
  /// The health of the semantic IDs and the drift between blocks (Docs/Design.md §4.4).
  public let codeHealth: CodeHealthCard
  public let drift: DriftCard

  /// Distinct users over all blocks.
  public var distinctUsers: Int { blocks.reduce(0) { $0 + $1.newUsers } }

  /// A plain-text report: the index summary, then an aligned table with one row per block
  /// and a total row ("all": column sums; the mean train length is weighted by users ≥3).
  public func render() -> String {
    var lines: [String] = []
    lines.append("dataset      \(name)")
    lines.append("source       \(source)")
    lines.append("fingerprint  \(fingerprint)")
    lines.append(
      "items        \(items) (\(levels) levels, K = \(codebookSize), vocabulary \(vocabSize), "
        + "\(codeTupleCollisions) code-tuple collisions\(hasTitles ? ", titles" : ""))")
    lines.append("blocks       \(blocks.count) (history of \(maxHistory) items)")
    lines.append("")

    let header = [
      "block", "users", "new users", "users ≥3", "items", "new items", "interactions",
      "mean train len", "windows", "targets",
    ]
    var rows: [[String]] = blocks.map { block in
      [
        String(block.index), String(block.users), String(block.newUsers), String(block.eligibleUsers),
        String(block.itemsReferenced), String(block.newItems), String(block.interactions),
        formatMean(block.meanTrainSequenceLength), String(block.trainWindows), String(block.trainTargets),
      ]
    }
    let eligible = blocks.reduce(0) { $0 + $1.eligibleUsers }
    let weightedLength = blocks.reduce(0.0) { $0 + $1.meanTrainSequenceLength * Double($1.eligibleUsers) }
    // The total row sums each column where a sum means something: new users and new items
    // add up to the distinct users and items of the whole stream.
    rows.append([
      "all", String(blocks.reduce(0) { $0 + $1.users }), String(distinctUsers), String(eligible), "",
      String(blocks.reduce(0) { $0 + $1.newItems }), String(blocks.reduce(0) { $0 + $1.interactions }),
      formatMean(eligible > 0 ? weightedLength / Double(eligible) : 0),
      String(blocks.reduce(0) { $0 + $1.trainWindows }), String(blocks.reduce(0) { $0 + $1.trainTargets }),
    ])
    lines.append(contentsOf: alignedTable(header: header, rows: rows))
    lines.append("")
    lines.append(codeHealth.render())
    lines.append("")
    lines.append(drift.render())
    return lines.joined(separator: "\n") + "\n"
  }

  private func formatMean(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }

  /// Right-aligned columns separated by two spaces, with a rule under the header.
  private func alignedTable(header: [String], rows: [[String]]) -> [String] {
    let widths = header.indices.map { column in
      ([header] + rows).map { $0[column].count }.max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }
        .joined(separator: "  ")
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    var out = [line(header), rule]
    out.append(contentsOf: rows.dropLast().map(line))
    out.append(rule)
    if let total = rows.last { out.append(line(total)) }
    return out
  }
}

extension ContinualDataset {
  /// Per-block and index-level counts; windows are packed with `maxHistory` (Docs/Design.md §4).
  public func statistics(maxHistory: Int = ContinualDataset.defaultMaxHistory) -> DatasetStatistics {
    let history = max(maxHistory, 1)
    var usersSeen: Set<String> = []
    var itemsSeen = [Bool](repeating: false, count: items.numItems)
    var blockStatistics: [DatasetStatistics.Block] = []
    for block in blocks {
      var newUsers = 0
      var eligible = 0
      var trainLengthSum = 0
      var interactions = 0
      var referenced = [Bool](repeating: false, count: items.numItems)
      for user in block.users {
        if usersSeen.insert(user.userID).inserted { newUsers += 1 }
        interactions += user.current.count
        for item in user.previous { referenced[item] = true }
        for item in user.current { referenced[item] = true }
        if user.current.count >= ContinualDataset.minimumCurrentItems {
          eligible += 1
          trainLengthSum += user.previous.count + user.current.count - 2
        }
      }
      var itemsReferenced = 0
      var newItems = 0
      for item in 0..<items.numItems where referenced[item] {
        itemsReferenced += 1
        if !itemsSeen[item] {
          newItems += 1
          itemsSeen[item] = true
        }
      }
      let train = (try? split(block: block.index, maxHistory: history).train) ?? []
      blockStatistics.append(
        DatasetStatistics.Block(
          index: block.index, users: block.users.count, newUsers: newUsers, eligibleUsers: eligible,
          itemsReferenced: itemsReferenced, newItems: newItems, interactions: interactions,
          meanTrainSequenceLength: eligible > 0 ? Double(trainLengthSum) / Double(eligible) : 0,
          trainWindows: train.count, trainTargets: train.reduce(0) { $0 + $1.targetCount }))
    }
    return DatasetStatistics(
      name: name, source: source, fingerprint: fingerprint, items: items.numItems, levels: items.levels,
      codebookSize: items.codebookSize, vocabSize: items.vocabSize,
      codeTupleCollisions: items.codeTupleCollisions, hasTitles: items.titles != nil,
      maxHistory: history, blocks: blockStatistics, codeHealth: CodeHealthCard(items: items, blocks: blocks),
      drift: DriftCard(items: items, blocks: blocks))
  }
}
