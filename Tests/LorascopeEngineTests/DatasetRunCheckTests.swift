import Foundation
import Testing

@testable import LorascopeEngine

/// `data check` must reject what `run` cannot use, and errors must stay readable (issue 9 part 5).
@Suite("Dataset checks for run")
struct DatasetRunCheckTests {
  @Test("a code beyond the largest codebook is rejected naming the item (it asked run for 409 GB)")
  func hugeCode() throws {
    let scratch = try DatasetScratchDirectory()
    var files = ToyDatasetFiles.files
    files["toy.index.json"] = ToyDatasetFiles.index.replacingOccurrences(of: #""i3": ["<a_2>""#, with: #""i3": ["<a_100000000>""#)
    try scratch.write(files)
    do {
      _ = try PESODatasetLoader.load(directory: scratch.path)
      Issue.record("a code of 100000000 was accepted")
    } catch let e as LorascopeError {
      #expect(e.description.contains("toy.index.json") && e.description.contains("\"i3\"") && e.description.contains("100000000"), "\(e)")
    }
    // The largest accepted code still loads.
    files["toy.index.json"] = ToyDatasetFiles.index.replacingOccurrences(
      of: #""i3": ["<a_2>""#, with: #""i3": ["<a_\#(ItemIndex.maximumCodebookSize - 1)>""#)
    try scratch.write(files)
    #expect(try PESODatasetLoader.load(directory: scratch.path).items.codebookSize == ItemIndex.maximumCodebookSize)
  }

  @Test("a key repeated inside a user entry is an error naming the user and the key")
  func duplicateKeyInUserEntry() throws {
    let scratch = try DatasetScratchDirectory()
    var files = ToyDatasetFiles.files
    files["toy.all.block_1.json"] = """
      {"u1": {"previous_block": [], "current_block": ["i3", "i4", "i0"], "current_block": ["i1", "i2"]}}
      """
    try scratch.write(files)
    do {
      _ = try PESODatasetLoader.load(directory: scratch.path)
      Issue.record("a duplicated key was accepted")
    } catch let e as LorascopeError {
      #expect(e.description.contains("toy.all.block_1.json") && e.description.contains("\"u1\"")
                && e.description.contains("\"current_block\" appears twice"), "\(e)")
    }
  }

  @Test("an error quotes at most a bounded prefix of a huge item id, with its length")
  func boundedQuote() throws {
    let scratch = try DatasetScratchDirectory()
    let hugeID = String(repeating: "x", count: 200_000)
    var files = ToyDatasetFiles.files
    files["toy.all.block_1.json"] = """
      {"u1": {"previous_block": [], "current_block": ["i3", "\(hugeID)", "i0"]}}
      """
    try scratch.write(files)
    do {
      _ = try PESODatasetLoader.load(directory: scratch.path)
      Issue.record("an unknown item id was accepted")
    } catch let e as LorascopeError {
      let text = e.description
      #expect(text.count < 600 && text.contains("unknown item id") && text.contains("… (200000 bytes)"), "\(text.prefix(600))")
    }
    #expect(ErrorQuote.bounded("short") == "short")
    #expect(ErrorQuote.bounded(String(repeating: "é", count: 100), limit: 10) == String(repeating: "é", count: 10) + "… (200 bytes)")
  }

  @Test("a dataset run cannot train on fails the run check; the toy dataset passes it")
  func usableForRun() throws {
    let scratch = try DatasetScratchDirectory()
    try scratch.write(ToyDatasetFiles.files)
    try PESODatasetLoader.load(directory: scratch.path).checkUsableForRun()

    // 7 codes per item: a 21-item window is 1 + 7·21 = 148 tokens, more than the default 128 positions.
    let long = try DatasetScratchDirectory()
    let codes = (0..<7).map { "\"<\(Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8($0))))_\($0)>\"" }
    let otherCodes = (0..<7).map { "\"<\(Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8($0))))_\($0 + 1)>\"" }
    try long.write([
      "long.index.json": "{\"i0\": [\(codes.joined(separator: ","))], \"i1\": [\(otherCodes.joined(separator: ","))]}",
      "long.all.block_0.json": #"{"u1": {"previous_block": [], "current_block": ["i0", "i1", "i0"]}}"#,
      "long.all.block_1.json": #"{"u1": {"previous_block": [], "current_block": ["i1", "i0", "i1"]}}"#,
    ])
    let dataset = try PESODatasetLoader.load(directory: long.path)
    do {
      try dataset.checkUsableForRun()
      Issue.record("7 levels passed the run check")
    } catch let e as LorascopeError {
      #expect(e.description.contains(long.path) && e.description.contains("148 tokens"), "\(e)")
    }
  }
}
