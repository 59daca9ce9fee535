import Foundation

/// `lorascope data build`: interaction files in, a PESO dataset directory with build.json out
/// (Docs/Design.md §4.4). The steps, each in its own file: read (`InteractionFileReader`), clean
/// (`InteractionCleaning`), cut blocks (`ChronologicalBlocks`), code the items
/// (`SemanticIDAssignment`), write (`PESODatasetWriter` + build.json), all or nothing.
public enum DatasetBuilder {
  /// Builds the dataset `options` describes and returns what build.json records.
  ///
  /// - Throws: `LorascopeError.invalidFile` naming file, line and column for bad input;
  ///   `.invalidConfiguration` for options the data cannot satisfy; `.io` when `out` exists
  ///   (without `overwrite`) or cannot be written. On any error `out` is left as it was.
  @discardableResult
  public static func build(_ options: DatasetBuildOptions) throws -> DatasetBuildRecord {
    try options.validate()
    BLAS.ensureConfigured()
    let clock = ContinuousClock()
    let started = clock.now
    var mark = started
    func lap() -> Double {
      let now = clock.now
      defer { mark = now }
      let elapsed = now - mark
      return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    let target = URL(fileURLWithPath: options.out).standardizedFileURL
    let name = options.name ?? target.lastPathComponent
    try checkTarget(target, overwrite: options.overwrite)

    // Read.
    var table = InteractionTable()
    var summaries: [InteractionFileReader.FileSummary] = []
    for path in options.interactions {
      summaries.append(try InteractionFileReader.read(path, minimumRating: options.minimumRating, into: &table))
    }
    guard table.count > 0 else {
      throw LorascopeError.invalidFile(path: options.interactions.joined(separator: ", "), reason: "no interactions (only a header?)")
    }
    let unit = TimestampUnit.detect(largest: table.timestamps.max() ?? 0)
    let readSeconds = lap()

    // Clean.
    let deduplicated = InteractionCleaning.removeDuplicates(table)
    let core = InteractionCleaning.kCore(
      table, rows: deduplicated.rows, minimumPerUser: options.minimumPerUser, minimumPerItem: options.minimumPerItem)
    guard !core.rows.isEmpty else {
      throw LorascopeError.invalidConfiguration(
        "the k-core filter (--min-user \(options.minimumPerUser), --min-item \(options.minimumPerItem)) removed every interaction")
    }
    let cleanSeconds = lap()

    // Blocks.
    let ordered = ChronologicalBlocks.timeOrder(table, rows: core.rows)
    let split: ChronologicalBlocks.Split =
      options.boundaries.map { .boundaries($0) } ?? .shares(firstShare: options.firstBlockShare, blocks: options.blocks)
    let boundaries = try ChronologicalBlocks.boundaries(split, table: table, ordered: ordered)
    let built = try ChronologicalBlocks.build(
      table: table, ordered: ordered, boundaries: boundaries, minimumCurrent: options.minimumPerBlock)
    // Dense item order: first appearance over blocks, users in file order, previous then current
    // (the released index numbers its items exactly so).
    var itemOrder: [Int32] = []
    var firstBlock: [Int] = []
    var placed = [Bool](repeating: false, count: table.itemIDs.count)
    for (k, users) in built.blocks.enumerated() {
      for user in users {
        for item in user.previous + user.current where !placed[Int(item)] {
          placed[Int(item)] = true
          itemOrder.append(item)
          firstBlock.append(k)
        }
      }
    }
    let blockSeconds = lap()

    // Codes.
    let vectors: SemanticIDAssignment.Vectors
    if let npy = options.itemEmbeddings, let ids = options.itemIDs {
      let file = try ItemEmbeddingFile.read(npy, ids: ids)
      vectors = .given(path: npy, vectors: file.vectors, dimension: file.dimension)
    } else {
      vectors = .collaborative(dimension: options.embeddingDimension)
    }
    let (codes, codeRecord) = try SemanticIDAssignment.assign(
      blocks: built.blocks, itemOrder: itemOrder, firstBlock: firstBlock, itemIDs: table.itemIDs, vectors: vectors,
      levels: options.levels, codebookSize: options.codebookSize, iterations: options.kMeansIterations, seed: options.seed)
    let codeSeconds = lap()

    // Write: the dataset and build.json into a hidden sibling, renamed into place at the end.
    var dense = [Int32](repeating: -1, count: table.itemIDs.count)
    for (position, item) in itemOrder.enumerated() { dense[Int(item)] = Int32(position) }
    let items = try ItemIndex(itemIDs: itemOrder.map { table.itemIDs[Int($0)] }, codes: codes, path: options.out)
    let blocks = built.blocks.enumerated().map { k, users in
      DataBlock(
        index: k,
        users: users.map { user in
          UserBlock(
            userID: table.userIDs[Int(user.user)], previous: user.previous.map { Int(dense[Int($0)]) },
            current: user.current.map { Int(dense[Int($0)]) })
        })
    }
    let dataset = try ContinualDataset(name: name, source: options.out, items: items, blocks: blocks)
    var inputs: [DatasetBuildRecord.Input] = []
    for summary in summaries {
      let size = (try? FileManager.default.attributesOfItem(atPath: summary.path)[.size] as? Int) ?? 0
      inputs.append(
        DatasetBuildRecord.Input(
          path: summary.path, sha256: try SHA256.hex(ofFile: summary.path), bytes: size,
          format: summary.format.rawValue, userColumn: summary.userColumn, itemColumn: summary.itemColumn,
          timestampColumn: summary.timestampColumn, ratingColumn: summary.ratingColumn, rows: summary.rows,
          belowMinimumRating: summary.belowMinimumRating))
    }
    let counts = DatasetBuildRecord.Counts(
      rowsRead: summaries.reduce(0) { $0 + $1.rows }, belowMinimumRating: summaries.reduce(0) { $0 + $1.belowMinimumRating },
      duplicatesRemoved: deduplicated.removed, kCore: core.counts, cleanInteractions: core.rows.count,
      cleanUsers: InteractionCleaning.distinctCount(table.users, rows: core.rows, size: table.userIDs.count),
      cleanItems: InteractionCleaning.distinctCount(table.items, rows: core.rows, size: table.itemIDs.count),
      blocks: built.counts, users: Set(built.blocks.flatMap { $0.map(\.user) }).count, items: itemOrder.count,
      interactions: built.counts.reduce(0) { $0 + $1.interactionsKept })

    let staging = target.deletingLastPathComponent().appendingPathComponent(
      ".\(target.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    do {
      try PESODatasetWriter.write(dataset, to: staging.path)
      let writeSeconds = lap()
      let total = clock.now - started
      let record = DatasetBuildRecord(
        format: "lorascope-build-v1", name: name, inputs: inputs, parameters: options, timestampUnit: unit,
        counts: counts, codes: codeRecord,
        seconds: .init(
          read: readSeconds, clean: cleanSeconds, blocks: blockSeconds, codes: codeSeconds, write: writeSeconds,
          total: Double(total.components.seconds) + Double(total.components.attoseconds) * 1e-18))
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      try encoder.encode(record).write(to: staging.appendingPathComponent("build.json"))
      try checkTarget(target, overwrite: options.overwrite)
      if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
      try FileManager.default.moveItem(at: staging, to: target)
      return record
    } catch {
      try? FileManager.default.removeItem(at: staging)
      if let known = error as? LorascopeError { throw known }
      throw LorascopeError.io("\(target.path): cannot write the dataset: \(error.localizedDescription)")
    }
  }

  /// `out` must not exist, be an empty directory, or be replaced by `overwrite`.
  private static func checkTarget(_ target: URL, overwrite: Bool) throws {
    // Never written through a symbolic link: replacing the link, or writing into what it
    // points to, are both surprises.
    var link = stat()
    if lstat(target.path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
      throw LorascopeError.io("\(target.path): --out is a symbolic link; give the directory it points to, or remove the link")
    }
    let parent = target.deletingLastPathComponent()
    var parentIsDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &parentIsDirectory), parentIsDirectory.boolValue else {
      throw LorascopeError.io("\(target.path): cannot write the dataset: \(parent.path) is not a directory")
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else { return }
    guard isDirectory.boolValue else { throw LorascopeError.io("\(target.path): exists and is not a directory") }
    let contents = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []
    guard contents.isEmpty || overwrite else {
      throw LorascopeError.io("\(target.path): directory exists and is not empty (pass --overwrite to replace it)")
    }
  }
}
