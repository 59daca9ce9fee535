import Foundation
import LorascopeAssets
import Testing

@testable import LorascopeEngine

/// Where the released Video_Games dataset lives: the repository's `Assets/Data/` (Docs/Design.md §4),
/// found from this file's path so the tests run from any working directory and from any clone.
enum VideoGamesFixture {
  static let directory: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // LorascopeEngineTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // the repository
    .appendingPathComponent("Assets/Data")
    .appendingPathComponent(LorascopeAssets.videoGamesDatasetName).path
}

/// A scratch directory of hand-written dataset files, removed when the test ends.
final class DatasetScratchDirectory {
  let path: String

  init() throws {
    path = FileManager.default.temporaryDirectory
      .appendingPathComponent("lorascope-data-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `files` (name → contents) into the directory.
  func write(_ files: [String: String]) throws {
    for (name, text) in files {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path).appendingPathComponent(name))
    }
  }

  func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// A small valid PESO dataset "toy": 5 items of 2 codes, 2 blocks.
enum ToyDatasetFiles {
  static let index = """
    {"i0": ["<a_0>", "<b_1>"], "i1": ["<a_1>", "<b_0>"], "i2": ["<a_0>", "<b_2>"],
     "i3": ["<a_2>", "<b_3>"], "i4": ["<a_1>", "<b_1>"]}
    """
  static let block0 = """
    {
      "u1": {"previous_block": [], "current_block": ["i0", "i1", "i2"]},
      "u2": {"previous_block": [], "current_block": ["i3", "i4", "i0", "i1"]}
    }
    """
  static let block1 = """
    {
      "u1": {"previous_block": ["i0", "i1", "i2"], "current_block": ["i3", "i4", "i0"]},
      "u3": {"previous_block": [], "current_block": ["i2", "i3"]}
    }
    """

  static var files: [String: String] {
    ["toy.index.json": index, "toy.all.block_0.json": block0, "toy.all.block_1.json": block1]
  }
}
