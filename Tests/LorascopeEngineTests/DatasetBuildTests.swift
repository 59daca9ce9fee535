import Foundation
import Testing

@testable import LorascopeEngine

/// Tables of interactions written by the tests, in every format `data build` reads (Docs/Design.md §4.4).
enum InteractionTables {
  /// 12 users × 8 interactions at t0 + 20·j + u (j = 0…7, seconds in 2020): sorted by time, the
  /// first half is exactly j < 4 for every user, so a 0.5 share starts block 1 at t0 + 80 (user 0, j = 4).
  static let t0 = 1_600_000_000
  static var rows: [(user: String, item: String, time: Int)] {
    var out: [(String, String, Int)] = []
    for j in 0..<8 {
      for u in 0..<12 { out.append(("u\(u)", "i\((u * 3 + j) % 20)", t0 + 20 * j + u)) }
    }
    return out
  }

  static func csv(_ rows: [(user: String, item: String, time: Int)], lineEnd: String = "\n", bom: Bool = false) -> String {
    (bom ? "\u{FEFF}" : "") + "user_id,item_id,timestamp" + lineEnd
      + rows.map { "\($0.user),\($0.item),\($0.time)" }.joined(separator: lineEnd) + lineEnd
  }

  static func recBole(_ rows: [(user: String, item: String, time: Int)]) -> String {
    "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
      + rows.map { "\($0.user)\t\($0.item)\t5.0\t\($0.time).0" }.joined(separator: "\n") + "\n"
  }

  /// The Amazon Reviews 2023 benchmark layout: parent_asin and milliseconds.
  static func amazon(_ rows: [(user: String, item: String, time: Int)]) -> String {
    "user_id,parent_asin,rating,timestamp\n"
      + rows.map { "\($0.user),\($0.item),4.0,\($0.time * 1000)" }.joined(separator: "\n") + "\n"
  }

  static func jsonLines(_ rows: [(user: String, item: String, time: Int)]) -> String {
    rows.map { "{\"user\": \"\($0.user)\", \"item\": \"\($0.item)\", \"timestamp\": \($0.time)}" }.joined(separator: "\r\n") + "\n"
  }

  static func options(_ files: [String], out: String) -> DatasetBuildOptions {
    var o = DatasetBuildOptions(interactions: files, out: out)
    o.name = "toy"
    o.firstBlockShare = 0.5
    o.blocks = 2
    o.minimumPerBlock = 3
    o.levels = 2
    o.codebookSize = 4
    o.embeddingDimension = 4
    return o
  }
}

@Suite struct DatasetBuildTests {
  /// The dataset files (not build.json), name → bytes.
  func datasetFiles(_ directory: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name != "build.json" {
      out[name] = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }
    return out
  }

  @Test func everyFormatGivesTheSameDataset() throws {
    let scratch = try DatasetScratchDirectory()
    let rows = InteractionTables.rows
    try scratch.write([
      "plain.csv": InteractionTables.csv(rows),
      "windows.csv": InteractionTables.csv(rows, lineEnd: "\r\n", bom: true),
      "table.tsv": InteractionTables.csv(rows).replacingOccurrences(of: ",", with: "\t"),
      "recbole.inter": InteractionTables.recBole(rows),
      "amazon.csv": InteractionTables.amazon(rows),
      "log.jsonl": InteractionTables.jsonLines(rows),
      "sniffed.txt": InteractionTables.csv(rows).replacingOccurrences(of: ",", with: "\t"),
      "spaced.csv": InteractionTables.csv(rows).replacingOccurrences(of: ",", with: " ,\t"),
      "bom.jsonl": "\u{FEFF}" + InteractionTables.jsonLines(rows),
      "bom.tsv": "\u{FEFF}" + InteractionTables.recBole(rows).replacingOccurrences(of: "\n", with: "\r\n"),
    ])
    let reference = try DatasetBuilder.build(InteractionTables.options([scratch.file("plain.csv")], out: scratch.file("plain")))
    #expect(reference.timestampUnit == .seconds)
    #expect(reference.counts.rowsRead == 96)
    let expected = try datasetFiles(scratch.file("plain"))
    for file in ["windows.csv", "table.tsv", "recbole.inter", "amazon.csv", "log.jsonl", "sniffed.txt", "spaced.csv", "bom.jsonl", "bom.tsv"] {
      let out = scratch.file("out-" + file)
      var options = InteractionTables.options([scratch.file(file)], out: out)
      if file == "amazon.csv" { options.boundaries = [Double(InteractionTables.t0 + 80) * 1000] }
      let record = try DatasetBuilder.build(options)
      #expect(record.timestampUnit == (file == "amazon.csv" ? .milliseconds : .seconds), "\(file)")
      #expect(try datasetFiles(out) == expected, "\(file)")
    }
    let recBole = try DatasetBuilder.build(
      { var o = InteractionTables.options([scratch.file("recbole.inter")], out: scratch.file("r2")); o.minimumRating = 4; return o }())
    #expect(recBole.inputs[0].format == "tsv")
    #expect(recBole.inputs[0].userColumn == "user_id:token")
    #expect(recBole.inputs[0].ratingColumn == "rating:float")
  }

  @Test func blocksFollowTheReleasedLayout() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(["t.csv": InteractionTables.csv(InteractionTables.rows)])
    let record = try DatasetBuilder.build(InteractionTables.options([scratch.file("t.csv")], out: scratch.file("d")))
    #expect(record.counts.blocks.map(\.start) == [nil, Double(InteractionTables.t0 + 80)])
    #expect(record.counts.blocks.map(\.interactions) == [48, 48])
    let dataset = try PESODatasetLoader.load(directory: scratch.file("d"))
    try dataset.checkUsableForRun()
    #expect(dataset.numBlocks == 2)
    // previous_block of block 1 is the user's block-0 list; current_block is in time order.
    let u3 = try #require(dataset.blocks[1].users.first { $0.userID == "u3" })
    let id = { (i: Int) in dataset.items.itemIDs[i] }
    #expect(u3.previous.map(id) == (0..<4).map { "i\((9 + $0) % 20)" })
    #expect(u3.current.map(id) == (4..<8).map { "i\((9 + $0) % 20)" })
    // Users in order of their first interaction in the block; items in order of first appearance.
    #expect(dataset.blocks[0].users.map(\.userID) == (0..<12).map { "u\($0)" })
    #expect(dataset.items.itemIDs.first == "i0")
    // The last level separates every tuple: no collisions.
    #expect(dataset.items.codeTupleCollisions == 0)
    #expect(dataset.items.levels == 3)
    // Explicit boundaries: a row exactly at a boundary opens the later block.
    var explicit = InteractionTables.options([scratch.file("t.csv")], out: scratch.file("e"))
    explicit.boundaries = [Double(InteractionTables.t0 + 81)]
    let split = try DatasetBuilder.build(explicit)
    #expect(split.counts.blocks.map(\.interactions) == [49, 47])
    #expect(split.counts.blocks[1].start == Double(InteractionTables.t0 + 81))
  }

  @Test func everyCleaningStepIsCounted() throws {
    let scratch = try DatasetScratchDirectory()
    var rows = InteractionTables.rows
    let t0 = InteractionTables.t0
    rows.append(("u0", "i0", t0 - 10))  // an earlier duplicate of (u0, i0): this one is kept
    rows.append(("u0", "i0", t0 + 5000))  // a later duplicate
    rows.append(("lonely", "i1", t0 + 1))  // a user with 2 interactions (k-core --min-user 3)
    rows.append(("lonely", "i2", t0 + 2))
    rows.append(("u1", "rare", t0 + 3))  // an item seen once (k-core --min-item 2)
    rows.append(("late", "i5", t0 + 155))  // 3 items in block 1, fewer than 4: dropped from the block
    rows.append(("late", "i6", t0 + 156))
    rows.append(("late", "i7", t0 + 157))
    try scratch.write(["t.csv": InteractionTables.csv(rows)])
    var options = InteractionTables.options([scratch.file("t.csv")], out: scratch.file("d"))
    options.minimumPerUser = 3
    options.minimumPerItem = 2
    options.boundaries = [Double(t0 + 80)]
    options.minimumPerBlock = 4
    let record = try DatasetBuilder.build(options)
    #expect(record.counts.rowsRead == 104)
    #expect(record.counts.duplicatesRemoved == 2)
    #expect(record.counts.kCore.usersRemoved == 1)
    #expect(record.counts.kCore.itemsRemoved == 1)
    #expect(record.counts.kCore.interactionsRemoved == 3)
    #expect(record.counts.kCore.iterations == 2)
    #expect(record.counts.blocks[1].usersDropped == 1)
    #expect(record.counts.blocks[1].interactionsDropped == 3)
    #expect(record.counts.interactions == 96)
    let dataset = try PESODatasetLoader.load(directory: scratch.file("d"))
    #expect(!dataset.blocks.flatMap(\.users).contains { $0.userID == "late" || $0.userID == "lonely" })
    // u0 keeps (u0, i0) at its earliest time: first in block 0.
    let u0 = try #require(dataset.blocks[0].users.first { $0.userID == "u0" })
    #expect(dataset.items.itemIDs[u0.current[0]] == "i0")
    #expect(u0.current.count == 4)
  }

  @Test func builtTwiceIsByteIdentical() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(["t.csv": InteractionTables.csv(InteractionTables.rows)])
    var options = InteractionTables.options([scratch.file("t.csv")], out: scratch.file("d"))
    try DatasetBuilder.build(options)
    let first = try datasetFiles(scratch.file("d"))
    let firstRecord = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("d/build.json")))) as! [String: Any]
    options.overwrite = true
    try DatasetBuilder.build(options)
    #expect(try datasetFiles(scratch.file("d")) == first)
    var secondRecord = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("d/build.json")))) as! [String: Any]
    var firstWithoutTimes = firstRecord
    firstWithoutTimes["seconds"] = nil
    secondRecord["seconds"] = nil
    var parameters = secondRecord["parameters"] as! [String: Any]
    parameters["overwrite"] = false
    secondRecord["parameters"] = parameters
    #expect(NSDictionary(dictionary: firstWithoutTimes).isEqual(to: secondRecord))
    let inputs = firstRecord["inputs"] as! [[String: Any]]
    #expect((inputs[0]["sha256"] as! String).count == 64)
  }

  @Test func laterBlocksNeverMoveEarlierCodes() throws {
    // The same block 0 with two different block 1s: every item of block 0 keeps its codes.
    let scratch = try DatasetScratchDirectory()
    let rows = InteractionTables.rows
    var other = rows.filter { $0.time < InteractionTables.t0 + 80 }
    for j in 4..<8 {
      for u in 0..<12 { other.append(("u\(u)", "n\((u * 7 + j) % 15)", InteractionTables.t0 + 20 * j + u)) }
    }
    try scratch.write(["a.csv": InteractionTables.csv(rows), "b.csv": InteractionTables.csv(other)])
    var a = InteractionTables.options([scratch.file("a.csv")], out: scratch.file("a"))
    a.boundaries = [Double(InteractionTables.t0 + 80)]
    var b = InteractionTables.options([scratch.file("b.csv")], out: scratch.file("b"))
    b.boundaries = [Double(InteractionTables.t0 + 80)]
    try DatasetBuilder.build(a)
    try DatasetBuilder.build(b)
    let first = try PESODatasetLoader.load(directory: scratch.file("a"))
    let second = try PESODatasetLoader.load(directory: scratch.file("b"))
    let blockZeroItems = Set(first.blocks[0].users.flatMap(\.current))
    #expect(!blockZeroItems.isEmpty)
    for item in blockZeroItems {
      let id = first.items.itemIDs[item]
      #expect(first.items.codes[item] == second.items.codes[second.items.index(ofItemID: id)!], "\(id)")
    }
  }

  // MARK: - Bad input

  func buildError(_ text: String, file: String = "t.csv", _ configure: (inout DatasetBuildOptions) -> Void = { _ in }) throws -> String {
    let scratch = try DatasetScratchDirectory()
    try scratch.write([file: text])
    var options = InteractionTables.options([scratch.file(file)], out: scratch.file("d"))
    configure(&options)
    do {
      try DatasetBuilder.build(options)
    } catch let error as LorascopeError {
      #expect(!FileManager.default.fileExists(atPath: scratch.file("d")))
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }
      #expect(leftovers.isEmpty)
      return error.description
    }
    Issue.record("no error")
    return ""
  }

  @Test func badInputNamesFileLineAndColumn() throws {
    let missing = try buildError("user_id,item_id,when\nu,i,1\n")
    #expect(missing.contains("t.csv: line 1: no timestamp column"), "\(missing)")
    let text = try buildError("user_id,item_id,timestamp\nu,i,1\nu,j,soon\n")
    #expect(text.contains("t.csv: line 3, column 3 (timestamp): timestamp \"soon\" is not a number"), "\(text)")
    let empty = try buildError("")
    #expect(empty.contains("t.csv: the file is empty"), "\(empty)")
    let directory = try buildError("user_id,item_id,timestamp\nu,i,1\n") {
      $0.interactions = [($0.interactions[0] as NSString).deletingLastPathComponent]
    }
    #expect(directory.contains("is a directory; --interactions takes files"), "\(directory)")
    let headerOnly = try buildError("user_id,item_id,timestamp\n")
    #expect(headerOnly.contains("no interactions"), "\(headerOnly)")
    let short = try buildError("user_id,item_id,timestamp\nu,i,1\nu,j\n")
    #expect(short.contains("line 3: 2 fields, but the header has 3"), "\(short)")
    let quote = try buildError("user_id,item_id,timestamp\nu,\"i,1\nu,j,2\nu,k,3\n")
    #expect(quote.contains("line 2, column 2 (item_id): the field runs over a line end"), "\(quote)")
    let json = try buildError("{\"user\": \"u\", \"item\": \"i\", \"timestamp\": 1}\n{\"user\": \"u\", \"item\": \"j\"}\n", file: "t.jsonl")
    #expect(json.contains("t.jsonl: line 2, column timestamp"), "\(json)")
    let rating = try buildError("user_id,item_id,timestamp\nu,i,1\n") { $0.minimumRating = 3 }
    #expect(rating.contains("no rating"), "\(rating)")
  }

  @Test("a JSON Lines line longer than 1 MiB is refused, naming the file, the line and the limit")
  func longJSONLinesLineIsRefused() throws {
    // 3 MiB without a newline: read whole before, it would cost its full size.
    let noNewline = "{\"user\": \"u\", \"item\": \"i\", \"timestamp\": 1, \"pad\": \"" + String(repeating: "x", count: 3 << 20) + "\"}"
    let whole = try buildError(noNewline, file: "t.jsonl")
    #expect(whole.contains("t.jsonl: line 1 is longer than the limit of 1048576 bytes"), "\(whole)")
    let second = try buildError("{\"user\": \"u\", \"item\": \"i\", \"timestamp\": 1}\n" + noNewline + "\n", file: "t.jsonl")
    #expect(second.contains("t.jsonl: line 2 is longer than the limit"), "\(second)")
  }

  @Test("a CSV line longer than 1 MiB, a FIFO and a pipe are refused at once, naming the file")
  func longCSVLineAndNonRegularFilesAreRefused() throws {
    let long = try buildError("user_id,item_id,timestamp\nu,i,1\n" + String(repeating: "x", count: (1 << 20) + 10))
    #expect(long.contains("t.csv: line 3 is longer than the limit of 1048576 bytes"), "\(long)")
    let started = Date()
    let fifo = try buildError("user_id,item_id,timestamp\nu,i,1\n") { options in
      let path = options.interactions[0] + ".fifo"
      #expect(mkfifo(path, 0o644) == 0)
      options.interactions = [path]
    }
    #expect(fifo.contains("t.csv.fifo: is not a regular file") && fifo.contains("decompress it to a file"), "\(fifo)")
    let device = try buildError("user_id,item_id,timestamp\nu,i,1\n") { $0.interactions = ["/dev/zero"] }
    #expect(device.contains("/dev/zero: is not a regular file"), "\(device)")
    #expect(Date().timeIntervalSince(started) < 10)
  }

  @Test("--out as a symbolic link or under a file, and a NaN --min-rating, are refused before reading, naming them")
  func hostileOutAndRating() throws {
    let scratch = try DatasetScratchDirectory()
    try FileManager.default.createDirectory(atPath: scratch.file("keep"), withIntermediateDirectories: true)
    try scratch.write(["afile": "x", "keep/victim": "v"])
    try FileManager.default.createSymbolicLink(atPath: scratch.file("dangling"), withDestinationPath: scratch.file("nowhere"))
    try FileManager.default.createSymbolicLink(atPath: scratch.file("dirlink"), withDestinationPath: scratch.file("keep"))
    let dangling = try buildError("user_id,item_id,timestamp\nu,i,1\n") { $0.out = scratch.file("dangling") }
    #expect(dangling.contains("dangling: --out is a symbolic link"), "\(dangling)")
    let dir = try buildError("user_id,item_id,timestamp\nu,i,1\n") {
      $0.out = scratch.file("dirlink")
      $0.overwrite = true
    }
    #expect(dir.contains("dirlink: --out is a symbolic link"), "\(dir)")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.file("dirlink")) == scratch.file("keep"))
    #expect(FileManager.default.fileExists(atPath: scratch.file("keep/victim")))
    let underFile = try buildError("user_id,item_id,timestamp\nu,i,1\n") { $0.out = scratch.file("afile/x") }
    #expect(underFile.contains("afile is not a directory"), "\(underFile)")
    let rating = try buildError("user_id,item_id,timestamp,rating\nu,i,1,4\n") { $0.minimumRating = .nan }
    #expect(rating.contains("--min-rating must be a finite number"), "\(rating)")
  }

  @Test func anExistingDirectoryIsKeptUnlessOverwritten() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(["t.csv": InteractionTables.csv(InteractionTables.rows)])
    let out = scratch.file("d")
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("mine.txt"))
    var options = InteractionTables.options([scratch.file("t.csv")], out: out)
    #expect(throws: LorascopeError.self) { try DatasetBuilder.build(options) }
    #expect(FileManager.default.fileExists(atPath: out + "/mine.txt"))
    options.overwrite = true
    try DatasetBuilder.build(options)
    #expect(!FileManager.default.fileExists(atPath: out + "/mine.txt"))
    #expect(FileManager.default.fileExists(atPath: out + "/build.json"))
  }

  // MARK: - Codes

  @Test func residualKMeansRecoversPlantedClusters() {
    // Four well-separated centres in 6 dimensions, 40 noisy points each, in shuffled order.
    var rng = SeededRNG(seed: 7)
    let d = 6
    var centres: [[Float]] = []
    for c in 0..<4 { centres.append((0..<d).map { j in Float(j == c ? 10 : 0) + Float(rng.nextNormal()) }) }
    var vectors: [Float] = []
    var planted: [Int] = []
    for p in 0..<160 {
      let c = (p * 7) % 4
      planted.append(c)
      vectors.append(contentsOf: centres[c].map { $0 + 0.3 * Float(rng.nextNormal()) })
    }
    let quantizer = ResidualKMeans(codebookSize: 4, levels: 2, iterations: 50, seed: 1)
    let (codebooks, codes) = quantizer.fit(vectors, dimension: d)
    #expect(codebooks.counts == [4, 4])
    // Same planted cluster ⟺ same first-level code.
    for a in 0..<160 {
      for b in (a + 1)..<160 { #expect((planted[a] == planted[b]) == (codes[a][0] == codes[b][0])) }
    }
    #expect(ResidualKMeans.encode(vectors, dimension: d, codebooks: codebooks) == codes)
  }

  @Test func sha256MatchesKnownDigests() throws {
    #expect(try SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(try SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let long = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    #expect(try SHA256.hex(of: long) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func givenEmbeddingsAreUsed() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(["t.csv": InteractionTables.csv(InteractionTables.rows)])
    // 20 items on two far points by parity: the first level splits them by parity.
    let ids = (0..<20).map { "i\($0)" }
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (20, 2), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for i in 0..<20 {
      for value in [Float(i % 2 == 0 ? 5 : -5), Float(i) * 0.01] {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += Array($0) }
      }
    }
    try Data(bytes).write(to: URL(fileURLWithPath: scratch.file("e.npy")))
    try scratch.write(["ids.txt": ids.joined(separator: "\n") + "\n"])
    var options = InteractionTables.options([scratch.file("t.csv")], out: scratch.file("d"))
    options.itemEmbeddings = scratch.file("e.npy")
    options.itemIDs = scratch.file("ids.txt")
    options.levels = 1
    options.codebookSize = 2
    let record = try DatasetBuilder.build(options)
    #expect(record.codes.dimension == 2)
    let dataset = try PESODatasetLoader.load(directory: scratch.file("d"))
    for (item, id) in dataset.items.itemIDs.enumerated() {
      let even = Int(id.dropFirst())! % 2 == 0
      let reference = dataset.items.codes[dataset.items.index(ofItemID: "i0")!][0]
      #expect((dataset.items.codes[item][0] == reference) == even, "\(id)")
    }
  }

  @Test("a .npy header whose shape overflows (2^62 × 4) is refused, not a trap")
  func npyShapeOverflow() throws {
    let scratch = try DatasetScratchDirectory()
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: scratch.file("huge.npy")))
    try scratch.write(["ids.txt": "i0\n"])
    #expect { _ = try ItemEmbeddingFile.read(npy: scratch.file("huge.npy"), ids: scratch.file("ids.txt")) } throws: {
      "\($0)".contains("huge.npy") && "\($0)".contains("data bytes for shape [4611686018427387904, 4]")
    }
  }

  @Test("a FIFO as the .npy or as the id list is refused by name at once, not read forever")
  func npyFifo() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(["ids.txt": "i0\n"])
    let fifo = scratch.file("pipe.npy")
    #expect(mkfifo(fifo, 0o600) == 0)
    #expect { _ = try ItemEmbeddingFile.read(npy: fifo, ids: scratch.file("ids.txt")) } throws: {
      "\($0)".contains("pipe.npy") && "\($0)".contains("not a regular file")
    }
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }".padding(toLength: 117, withPad: " ", startingAt: 0) + "\n"
    let npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [0, 0, 128, 63]
    try Data(npy).write(to: URL(fileURLWithPath: scratch.file("one.npy")))
    #expect(try ItemEmbeddingFile.read(npy: scratch.file("one.npy"), ids: scratch.file("ids.txt")).vectors == ["i0": [1]])
    let ids = scratch.file("ids.fifo")
    #expect(mkfifo(ids, 0o600) == 0)
    #expect { _ = try ItemEmbeddingFile.read(npy: scratch.file("one.npy"), ids: ids) } throws: {
      "\($0)".contains("ids.fifo") && "\($0)".contains("not a regular file")
    }
  }

  @Test("item vectors from a .safetensors file of one [n, d] tensor read as the .npy file of the same rows; other shapes are refused by name")
  func safetensorsVectors() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(["ids.txt": "i0\ni1\n"])
    let rows: [Float] = [1, 2, 3, -4, 0.5, 6]
    try SafetensorsFile(tensors: [try SafetensorsTensor(name: "weight", floats: rows, shape: [2, 3])])
      .write(to: URL(fileURLWithPath: scratch.file("e.safetensors")))
    let read = try ItemEmbeddingFile.read(scratch.file("e.safetensors"), ids: scratch.file("ids.txt"))
    #expect(read.dimension == 3 && read.vectors == ["i0": [1, 2, 3], "i1": [-4, 0.5, 6]])
    try SafetensorsFile(tensors: [try SafetensorsTensor(name: "weight", doubles: rows.map(Double.init), shape: [2, 3])])
      .write(to: URL(fileURLWithPath: scratch.file("d.safetensors")))
    #expect(try ItemEmbeddingFile.read(scratch.file("d.safetensors"), ids: scratch.file("ids.txt")).vectors == read.vectors)
    try SafetensorsFile(tensors: [try SafetensorsTensor(name: "weight", floats: rows, shape: [6])])
      .write(to: URL(fileURLWithPath: scratch.file("flat.safetensors")))
    #expect { _ = try ItemEmbeddingFile.read(scratch.file("flat.safetensors"), ids: scratch.file("ids.txt")) } throws: {
      "\($0)".contains("flat.safetensors") && "\($0)".contains("must be [n_items, d]")
    }
    try SafetensorsFile(tensors: [
      try SafetensorsTensor(name: "a", floats: rows, shape: [2, 3]), try SafetensorsTensor(name: "b", floats: rows, shape: [2, 3]),
    ]).write(to: URL(fileURLWithPath: scratch.file("two.safetensors")))
    #expect { _ = try ItemEmbeddingFile.read(scratch.file("two.safetensors"), ids: scratch.file("ids.txt")) } throws: {
      "\($0)".contains("expected one tensor") && "\($0)".contains("found 2")
    }
  }
}
