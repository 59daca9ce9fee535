import Foundation
import Testing

@testable import LorascopeEngine

/// `lorascope data synth --out DIR` then loading DIR gives back the same dataset (Docs/Design.md §4, §6).
@Suite struct DatasetWriterTests {
  @Test func syntheticRoundTripIsIdentical() throws {
    let scratch = try DatasetScratchDirectory()
    let original = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 9, usersPerBlock: 150))
    let directory = scratch.file("synth")
    try PESODatasetWriter.write(original, to: directory)
    let loaded = try PESODatasetLoader.load(directory: directory)
    #expect(loaded.name == original.name)
    #expect(loaded.items == original.items)
    #expect(loaded.items.codes == original.items.codes)
    #expect(loaded.items.titles == original.items.titles)
    #expect(loaded.blocks == original.blocks)
    #expect(loaded.fingerprint == original.fingerprint)
    #expect(loaded.source == directory)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    #expect(files == (0..<5).map { "synthetic.all.block_\($0).json" } + ["synthetic.index.json", "synthetic.item.json"])
  }

  @Test func realDatasetRoundTripKeepsTheFingerprint() throws {
    let scratch = try DatasetScratchDirectory()
    let original = try PESODatasetLoader.load(directory: VideoGamesFixture.directory)
    try PESODatasetWriter.write(original, to: scratch.file("copy"))
    let loaded = try PESODatasetLoader.load(directory: scratch.file("copy"))
    #expect(loaded.fingerprint == original.fingerprint)
    #expect(loaded.items.itemIDs == original.items.itemIDs)
    #expect(loaded.blocks == original.blocks)
  }

  @Test func stringsWithQuotesAndControlCharactersSurvive() throws {
    let items = try ItemIndex(
      itemIDs: ["a\"b", "c\\d", "é\u{1}", "tab\t"], codes: [[0, 1], [1, 0], [2, 2], [0, 0]],
      titles: ["quote \" and newline\n", "", "emoji 🎮", "\u{1F}"])
    let dataset = try ContinualDataset(
      name: "odd", source: "test", items: items,
      blocks: [DataBlock(index: 0, users: [UserBlock(userID: "user \"1\"", previous: [], current: [0, 1, 2, 3])])])
    let scratch = try DatasetScratchDirectory()
    try PESODatasetWriter.write(dataset, to: scratch.file("odd"))
    let loaded = try PESODatasetLoader.load(directory: scratch.file("odd"))
    #expect(loaded.items == dataset.items)
    #expect(loaded.blocks == dataset.blocks)
    #expect(loaded.fingerprint == dataset.fingerprint)
  }

  @Test func refusesToReplaceANonEmptyDirectoryUnlessAsked() throws {
    let scratch = try DatasetScratchDirectory()
    let first = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 1, usersPerBlock: 50))
    let second = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 2, usersPerBlock: 50))
    let directory = scratch.file("out")
    try PESODatasetWriter.write(first, to: directory)
    #expect(throws: LorascopeError.self) { try PESODatasetWriter.write(second, to: directory) }
    #expect(try PESODatasetLoader.load(directory: directory).fingerprint == first.fingerprint)
    try PESODatasetWriter.write(second, to: directory, overwrite: true)
    #expect(try PESODatasetLoader.load(directory: directory).fingerprint == second.fingerprint)
    // No staging directory is left behind.
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }
    #expect(leftovers.isEmpty)
  }

  @Test func writesIntoAnExistingEmptyDirectory() throws {
    let scratch = try DatasetScratchDirectory()
    let directory = scratch.file("empty")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    let dataset = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 4, usersPerBlock: 30))
    try PESODatasetWriter.write(dataset, to: directory)
    #expect(try PESODatasetLoader.load(directory: directory).blocks == dataset.blocks)
  }

  @Test func fingerprintIgnoresNameSourceAndTitlesButNotContent() throws {
    let items = try ItemIndex(itemIDs: ["x", "y", "z"], codes: [[0, 1], [1, 1], [1, 0]])
    let titled = try ItemIndex(itemIDs: ["x", "y", "z"], codes: [[0, 1], [1, 1], [1, 0]], titles: ["X", "Y", "Z"])
    let users = [UserBlock(userID: "u", previous: [], current: [0, 1, 2])]
    let swapped = [UserBlock(userID: "u", previous: [], current: [0, 2, 1])]
    let base = try ContinualDataset(name: "a", source: "s", items: items, blocks: [DataBlock(index: 0, users: users)])
    let renamed = try ContinualDataset(name: "b", source: "t", items: titled, blocks: [DataBlock(index: 0, users: users)])
    let reordered = try ContinualDataset(name: "a", source: "s", items: items, blocks: [DataBlock(index: 0, users: swapped)])
    #expect(base.fingerprint == renamed.fingerprint)
    #expect(base.fingerprint != reordered.fingerprint)
  }

  @Test func datasetRejectsOutOfRangeItems() throws {
    let items = try ItemIndex(itemIDs: ["x"], codes: [[0]])
    let error = #expect(throws: LorascopeError.self) {
      try ContinualDataset(
        name: "bad", source: "s", items: items,
        blocks: [DataBlock(index: 0, users: [UserBlock(userID: "u", previous: [], current: [0, 3, 0])])])
    }
    #expect(error?.description.contains(#"user "u""#) == true)
  }
}
