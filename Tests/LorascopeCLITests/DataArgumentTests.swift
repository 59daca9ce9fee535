import Foundation
import LorascopeAssets
import LorascopeEngine
import Testing

@testable import lorascope

/// `--data` names the bundled released dataset by short name in every command that takes it
/// (Docs/Design.md §4, §8), the synthetic generator by "synthetic", and anything else as a path.
struct DataArgumentTests {
  static let bundledSuffix = "Data/" + LorascopeAssets.videoGamesDatasetName

  @Test(arguments: ["video-games", "Video_Games", "VIDEO-GAMES", "Video_Games_cl_0.6_0_5_3_0"])
  func shortNamesResolveToTheBundledDataset(name: String) throws {
    guard case .directory(let path) = try DataArgument.resolve(name) else {
      Issue.record("\(name) did not resolve to a directory")
      return
    }
    #expect(path.hasSuffix(Self.bundledSuffix), "\(path)")
    let layout = try PESODatasetLoader.locateFiles(in: path)
    #expect(layout.blockFiles.count == 5)
  }

  @Test func syntheticAndPathsAreLeftAlone() throws {
    #expect(try DataArgument.resolve("synthetic") == .synthetic)
    #expect(try DataArgument.resolve("/no/such/dataset") == .directory("/no/such/dataset"))
    #expect(try DataArgument.resolve("games") == .directory("games"))
  }

  @Test func anExistingDirectoryWinsOverAShortName() throws {
    let parent = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-data-\(UUID().uuidString)")
    let own = parent.appendingPathComponent("video-games")
    try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: parent) }
    #expect(try DataArgument.resolve(own.path) == .directory(own.path))
  }

  @Test func runOptionsLoadTheBundledDataset() throws {
    let options = try RunOptions.parse(["--data", "video-games"])
    guard case .directory(let path) = options.dataSpec else {
      Issue.record("--data video-games gave \(options.dataSpec)")
      return
    }
    #expect(path.hasSuffix(Self.bundledSuffix))
    let dataset = try options.loadDataset()
    #expect(dataset.numBlocks == 5)
    #expect(dataset.name == LorascopeAssets.videoGamesDatasetName)
  }

  @Test func dataCheckAcceptsTheShortName() throws {
    let check = try DataCommand.Check.parse(["video-games", "--json"])
    try check.run()
  }
}
