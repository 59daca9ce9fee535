import Foundation
import Testing

@testable import LorascopeEngine

/// Bad dataset directories fail with `LorascopeError.invalidDataset` naming the file and the
/// entry, never a crash (Docs/Design.md §4).
@Suite struct DatasetValidationTests {
  /// Loads `files` (the toy dataset with replacements; nil removes a file) and returns the error.
  private func loadError(
    _ changes: [String: String?], sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (path: String, entry: String?, reason: String, scratch: DatasetScratchDirectory) {
    let scratch = try DatasetScratchDirectory()
    var files = ToyDatasetFiles.files
    for (name, text) in changes { files[name] = text }
    try scratch.write(files.compactMapValues { $0 })
    do {
      let dataset = try PESODatasetLoader.load(directory: scratch.path)
      Issue.record("expected an error, loaded \(dataset.numBlocks) blocks", sourceLocation: sourceLocation)
      return ("", nil, "", scratch)
    } catch let LorascopeError.invalidDataset(path, entry, reason) {
      return (path, entry, reason, scratch)
    }
  }

  @Test func missingDirectory() throws {
    let path = "/nonexistent/lorascope/\(UUID().uuidString)"
    #expect(throws: LorascopeError.invalidDataset(path: path, entry: nil, reason: "no such directory")) {
      try PESODatasetLoader.load(directory: path)
    }
  }

  @Test func pathIsAFile() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(["plain.json": "{}"])
    let error = #expect(throws: LorascopeError.self) { try PESODatasetLoader.load(directory: scratch.file("plain.json")) }
    #expect(error?.description.contains("not a directory") == true)
  }

  @Test func noBlockFiles() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(["toy.index.json": ToyDatasetFiles.index])
    let error = #expect(throws: LorascopeError.self) { try PESODatasetLoader.load(directory: scratch.path) }
    #expect(error?.description.contains("no block files") == true)
    #expect(error?.description.hasPrefix(scratch.path) == true)
  }

  @Test func blockMissingInTheMiddle() throws {
    let e = try loadError(["toy.all.block_1.json": nil, "toy.all.block_2.json": ToyDatasetFiles.block1])
    #expect(e.path == e.scratch.path)
    #expect(e.entry == "block_1")
    #expect(e.reason.contains("toy.all.block_1.json is missing"))
    #expect(e.reason.contains("0, 2"))
  }

  @Test func blockFilesOfTwoDatasets() throws {
    let e = try loadError(["other.all.block_0.json": ToyDatasetFiles.block0])
    #expect(e.reason.contains("block files of several datasets: other, toy"))
  }

  @Test func blockFileWithoutANumber() throws {
    let e = try loadError(["toy.all.block_x.json": ToyDatasetFiles.block0])
    #expect(e.path.hasSuffix("toy.all.block_x.json"))
    #expect(e.reason.contains(".all.block_<number>.json"))
  }

  @Test func noIndexFile() throws {
    let e = try loadError(["toy.index.json": nil])
    #expect(e.reason.contains("no item index file (toy.index*.json)"))
  }

  @Test func twoIndexFiles() throws {
    let e = try loadError(["toy.index.other.json": ToyDatasetFiles.index])
    #expect(e.reason.contains("2 item index files"))
    #expect(e.reason.contains("toy.index.json") && e.reason.contains("toy.index.other.json"))
  }

  @Test func unknownItemIDNamesUserAndItem() throws {
    let block1 = ToyDatasetFiles.block1.replacingOccurrences(of: #"["i3", "i4", "i0"]"#, with: #"["i3", "i9", "i0"]"#)
    let e = try loadError(["toy.all.block_1.json": block1])
    #expect(e.path == e.scratch.file("toy.all.block_1.json"))
    #expect(e.entry == #"user "u1""#)
    #expect(e.reason.contains(#"current_block[1]: unknown item id "i9""#))
    #expect(e.reason.contains("toy.index.json"))
  }

  @Test func malformedJSONNamesTheFileAndLine() throws {
    let broken = """
      {
        "u1": {"previous_block": [], "current_block": ["i0", "i1", "i2",]}
      }
      """
    let e = try loadError(["toy.all.block_0.json": broken])
    #expect(e.path == e.scratch.file("toy.all.block_0.json"))
    #expect(e.reason.contains("malformed JSON at byte"))
    #expect(e.reason.contains("line 2, column 67"))
  }

  @Test("a FIFO named like the index file is refused at once, not read (which would block forever)")
  func fifoIndexFileIsRefused() throws {
    let scratch = try DatasetScratchDirectory()
    var files = ToyDatasetFiles.files
    files["toy.index.json"] = nil
    try scratch.write(files)
    let fifo = scratch.file("toy.index.json")
    #expect(mkfifo(fifo, 0o644) == 0)
    #expect {
      _ = try PESODatasetLoader.load(directory: scratch.path)
    } throws: { error in
      guard case LorascopeError.invalidDataset(let path, _, let reason) = error else { return false }
      return path == fifo && reason.contains("not a regular file")
    }
  }

  @Test func truncatedJSON() throws {
    let e = try loadError(["toy.index.json": String(ToyDatasetFiles.index.dropLast(10))])
    #expect(e.path.hasSuffix("toy.index.json"))
    #expect(e.reason.contains("malformed JSON"))
    #expect(e.reason.contains("unexpected end of file") || e.reason.contains("unterminated"))
  }

  @Test func topLevelMustBeAnObject() throws {
    let e = try loadError(["toy.all.block_1.json": "[1, 2]"])
    #expect(e.path.hasSuffix("toy.all.block_1.json"))
    #expect(e.reason.contains("top level must be an object, found an array"))
  }

  @Test func codeWithoutANumber() throws {
    let index = ToyDatasetFiles.index.replacingOccurrences(of: #""i2": ["<a_0>""#, with: #""i2": ["<a_x>""#)
    let e = try loadError(["toy.index.json": index])
    #expect(e.path.hasSuffix("toy.index.json"))
    #expect(e.entry == #"item "i2""#)
    #expect(e.reason.contains("<a_x>"))
  }

  @Test func levelLettersOutOfOrder() throws {
    let index = ToyDatasetFiles.index.replacingOccurrences(
      of: #""i3": ["<a_2>", "<b_3>"]"#, with: #""i3": ["<b_2>", "<a_3>"]"#)
    let e = try loadError(["toy.index.json": index])
    #expect(e.entry == #"item "i3""#)
    #expect(e.reason.contains("level letter 'b', expected 'a'"))
  }

  @Test func codesNotAListOfStrings() throws {
    let asString = ToyDatasetFiles.index.replacingOccurrences(
      of: #""i1": ["<a_1>", "<b_0>"]"#, with: #""i1": "<a_1><b_0>""#)
    let notList = try loadError(["toy.index.json": asString])
    #expect(notList.entry == #"item "i1""#)
    #expect(notList.reason.contains("list of strings") && notList.reason.contains("found a string"))

    let numbers = ToyDatasetFiles.index.replacingOccurrences(of: #""i1": ["<a_1>", "<b_0>"]"#, with: #""i1": [1, 0]"#)
    let numeric = try loadError(["toy.index.json": numbers])
    #expect(numeric.entry == #"item "i1""#)
    #expect(numeric.reason.contains("found a number"))
  }

  @Test func mixedCodeLengths() throws {
    let index = ToyDatasetFiles.index.replacingOccurrences(
      of: #""i3": ["<a_2>", "<b_3>"]"#, with: #""i3": ["<a_2>", "<b_3>", "<c_0>"]"#)
    let e = try loadError(["toy.index.json": index])
    #expect(e.path.hasSuffix("toy.index.json"))
    #expect(e.entry == #"item "i3""#)
    #expect(e.reason.contains("mixed code lengths"))
  }

  @Test func duplicateItemID() throws {
    let index = ToyDatasetFiles.index.replacingOccurrences(of: #""i4": "#, with: #""i0": "#)
    let e = try loadError(["toy.index.json": index])
    #expect(e.entry == #"item "i0""#)
    #expect(e.reason.contains("appears twice"))
  }

  @Test func blockWithoutUsers() throws {
    let e = try loadError(["toy.all.block_1.json": "{ }"])
    #expect(e.path.hasSuffix("toy.all.block_1.json"))
    #expect(e.reason.contains("block 1 is empty: it has no users"))
  }

  @Test func blockWithoutEligibleUsers() throws {
    let block = #"{"u1": {"previous_block": [], "current_block": ["i0", "i1"]}}"#
    let e = try loadError(["toy.all.block_1.json": block])
    #expect(e.path.hasSuffix("toy.all.block_1.json"))
    #expect(e.reason.contains("none of its 1 users has at least 3 items in current_block"))
  }

  @Test func userEntryNotAnObject() throws {
    let block = #"{"u1": ["i0", "i1", "i2"]}"#
    let e = try loadError(["toy.all.block_0.json": block])
    #expect(e.path.hasSuffix("toy.all.block_0.json"))
    #expect(e.entry == #"user "u1""#)
    #expect(e.reason.contains("must be an object") && e.reason.contains("found an array"))
  }

  @Test func missingPreviousOrCurrentKey() throws {
    let noPrevious = #"{"u1": {"current_block": ["i0", "i1", "i2"]}}"#
    let a = try loadError(["toy.all.block_0.json": noPrevious])
    #expect(a.entry == #"user "u1""#)
    #expect(a.reason == #"missing key "previous_block""#)

    let noCurrent = #"{"u7": {"previous_block": []}}"#
    let b = try loadError(["toy.all.block_1.json": noCurrent])
    #expect(b.path.hasSuffix("toy.all.block_1.json"))
    #expect(b.entry == #"user "u7""#)
    #expect(b.reason == #"missing key "current_block""#)
  }

  @Test func itemIDThatIsNotAString() throws {
    let block = #"{"u1": {"previous_block": [], "current_block": ["i0", 1, "i2"]}}"#
    let e = try loadError(["toy.all.block_0.json": block])
    #expect(e.entry == #"user "u1""#)
    #expect(e.reason.contains("current_block[1] must be an item id string, found a number"))
  }

  @Test func duplicateUserInABlock() throws {
    let block = """
      {"u1": {"previous_block": [], "current_block": ["i0", "i1", "i2"]},
       "u1": {"previous_block": [], "current_block": ["i0", "i1", "i2"]}}
      """
    let e = try loadError(["toy.all.block_0.json": block])
    #expect(e.entry == #"user "u1""#)
    #expect(e.reason.contains("appears twice"))
  }

  @Test func titleOfTheWrongType() throws {
    let e = try loadError(["toy.item.json": #"{"i0": "ok", "i2": 42}"#])
    #expect(e.path.hasSuffix("toy.item.json"))
    #expect(e.entry == #"item "i2""#)
    #expect(e.reason.contains("found a number"))
  }

  @Test func deepNestingIsRefusedNotACrash() throws {
    let deep = String(repeating: "[", count: 100_000)
    let e = try loadError(["toy.all.block_0.json": deep])
    #expect(e.reason.contains("nesting deeper than"))
  }

  @Test func messageNamesFileAndEntry() throws {
    let error = LorascopeError.invalidDataset(path: "/d/x.all.block_1.json", entry: #"user "u1""#, reason: "missing key")
    #expect(error.description == #"/d/x.all.block_1.json: entry user "u1": missing key"#)
  }
}
