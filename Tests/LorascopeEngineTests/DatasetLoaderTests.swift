import Foundation
import Testing

@testable import LorascopeEngine

/// The released Video_Games data loads with the structure Docs/Design.md §1 and §4 describe.
@Suite struct DatasetLoaderTests {
  @Test func videoGamesLoadsWithItsKnownShape() throws {
    let dataset = try PESODatasetLoader.load(directory: VideoGamesFixture.directory)
    #expect(dataset.name == "Video_Games_cl_0.6_0_5_3_0")
    #expect(dataset.numBlocks == 5)
    #expect(dataset.items.numItems == 25935)
    #expect(dataset.items.levels == 4)
    #expect(dataset.items.codebookSize == 256)
    #expect(dataset.items.vocabSize == 1027)
    #expect(dataset.items.codeTupleCollisions == 228)
    #expect(dataset.items.titles == nil)
    #expect(dataset.blocks.map(\.users.count) == [12447, 1035, 1091, 1949, 1791])
    #expect(dataset.blocks.map { $0.users.reduce(0) { $0 + $1.current.count } } == [91273, 7491, 7492, 14646, 13271])
    #expect(dataset.blocks.map { $0.users.reduce(0) { $0 + $1.previous.count } } == [0, 3655, 3763, 4060, 4370])
  }

  @Test func videoGamesItemTokensFollowTheVocabularyRule() throws {
    let items = try PESODatasetLoader.load(directory: VideoGamesFixture.directory).items
    // Item "0" is ["<a_128>", "<b_72>", "<c_95>", "<d_83>"]: token = 3 + level·256 + code.
    let zero = try #require(items.index(ofItemID: "0"))
    #expect(items.codes[zero] == [128, 72, 95, 83])
    #expect(items.tokens(ofItem: zero) == [131, 331, 610, 854])
    let levelAndCode = try #require(items.levelAndCode(ofToken: 610))
    #expect(levelAndCode.level == 2 && levelAndCode.code == 95)
    #expect(items.levelAndCode(ofToken: 2) == nil)
    #expect(items.levelAndCode(ofToken: 1027) == nil)
    // Every colliding tuple lists all of its items.
    let sharing = items.codes.indices.filter { items.items(withCodes: items.codes[$0]).count > 1 }
    #expect(!sharing.isEmpty)
    #expect(Set(items.codes.map { $0 }).count == 25935 - 228)
  }

  @Test func fingerprintIsStableAcrossLoads() throws {
    let first = try PESODatasetLoader.load(directory: VideoGamesFixture.directory)
    let second = try PESODatasetLoader.load(directory: VideoGamesFixture.directory)
    #expect(first.fingerprint == second.fingerprint)
    #expect(first.fingerprint.count == 16)
    #expect(first.blocks == second.blocks)
  }

  @Test func videoGamesStatisticsTable() throws {
    let dataset = try PESODatasetLoader.load(directory: VideoGamesFixture.directory)
    let statistics = dataset.statistics()
    #expect(statistics.blocks.map(\.eligibleUsers) == [12447, 1035, 1091, 1949, 1791])
    #expect(statistics.blocks[0].newUsers == 12447)
    #expect(statistics.blocks[0].newItems == statistics.blocks[0].itemsReferenced)
    #expect(statistics.blocks.map(\.interactions) == [91273, 7491, 7492, 14646, 13271])
    // Block 0 has no previous items: mean train length = mean(current) − 2.
    #expect(abs(statistics.blocks[0].meanTrainSequenceLength - (91273.0 / 12447.0 - 2)) < 1e-9)
    let json = try JSONEncoder().encode(statistics)
    #expect(try JSONDecoder().decode(DatasetStatistics.self, from: json) == statistics)
    let table = statistics.render()
    #expect(table.contains("228 code-tuple collisions"))
    #expect(table.contains("K = 256"))
    let lines = table.split(separator: "\n")
    let header = try #require(lines.first { $0.contains("new users") })
    let rows = lines.filter { $0.trimmingCharacters(in: .whitespaces).first?.isNumber == true && $0.count == header.count }
    #expect(rows.count == 5)
  }

  @Test func layoutNamesTheFiles() throws {
    let layout = try PESODatasetLoader.locateFiles(in: VideoGamesFixture.directory)
    #expect(layout.blockFiles.map { ($0 as NSString).lastPathComponent }
      == (0..<5).map { "Video_Games_cl_0.6_0_5_3_0.all.block_\($0).json" })
    #expect(layout.indexFile.hasSuffix("Video_Games_cl_0.6_0_5_3_0.index.epoch20000_edim32_beta0.0.json"))
    #expect(layout.titleFile == nil)
  }

  @Test func toyDatasetWithTitlesInBothForms() throws {
    let scratch = try DatasetScratchDirectory()
    var files = ToyDatasetFiles.files
    files["toy.item.json"] = #"{"i0": "First", "i1": {"title": "Second \u00e9\n", "price": 3.5}, "i3": {"brand": "x"}}"#
    try scratch.write(files)
    let dataset = try PESODatasetLoader.load(directory: scratch.path)
    #expect(dataset.name == "toy")
    #expect(dataset.items.itemIDs == ["i0", "i1", "i2", "i3", "i4"])
    #expect(dataset.items.titles == ["First", "Second é\n", "", "", ""])
    #expect(dataset.items.title(ofItem: 2) == nil)
    #expect(dataset.items.codebookSize == 4)
    #expect(dataset.items.codeTupleCollisions == 0)
    #expect(dataset.blocks[1].users.map(\.userID) == ["u1", "u3"])
    #expect(dataset.blocks[1].users[0].previous == [0, 1, 2])
    #expect(dataset.blocks[1].users[0].current == [3, 4, 0])
  }
}
