import Foundation
import LorascopeEngine
import Testing

@testable import lorascope

/// `lorascope data build` parses its options, writes a directory `data check` accepts, and turns
/// bad options into usage errors (Docs/Design.md §4.4).
struct DataBuildCommandTests {
  func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-build-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// 10 users × 10 interactions, three items apart per user, at 2020 timestamps.
  func table() -> String {
    var lines = ["user_id,parent_asin,rating,timestamp"]
    for j in 0..<10 {
      for u in 0..<10 { lines.append("user\(u),item\((u * 3 + j) % 25),\(1 + (u + j) % 5).0,\(1_600_000_000 + 20 * j + u)") }
    }
    return lines.joined(separator: "\r\n") + "\r\n"
  }

  @Test func buildThenCheck() throws {
    let root = try scratch()
    defer { try? FileManager.default.removeItem(at: root) }
    let file = root.appendingPathComponent("reviews.csv")
    try Data(table().utf8).write(to: file)
    let out = root.appendingPathComponent("games").path
    let command = try DataCommand.Build.parse([
      "--interactions", file.path, "--out", out, "--blocks", "2", "--first-block", "0.5", "--min-block-items", "3",
      "--levels", "2", "--codebook", "4", "--embedding-dim", "4", "--seed", "3",
    ])
    let options = try command.options()
    #expect(options.levels == 2 && options.codebookSize == 4 && options.seed == 3 && options.blocks == 2)
    try command.run()
    let dataset = try PESODatasetLoader.load(directory: out)
    #expect(dataset.name == "games")
    #expect(dataset.numBlocks == 2)
    try DataCommand.Check.parse([out]).run()
    try DataCommand.Check.parse([out, "--json"]).run()
    #expect(FileManager.default.fileExists(atPath: out + "/build.json"))
    // A second build into the same directory needs --overwrite.
    #expect(throws: (any Error).self) { try command.run() }
    try DataCommand.Build.parse([
      "--interactions", file.path, "--out", out, "--boundaries", "1600000080", "--min-block-items", "3",
      "--levels", "2", "--codebook", "4", "--embedding-dim", "4", "--overwrite", "--min-rating", "2",
    ]).run()
    #expect(try PESODatasetLoader.load(directory: out).numBlocks == 2)
  }

  @Test func badOptionsAreUsageErrors() {
    #expect(throws: (any Error).self) { _ = try DataCommand.Build.parse(["--out", "d"]) }
    #expect(throws: (any Error).self) { _ = try DataCommand.Build.parse(["--interactions", "a.csv", "--out", "d", "--first-block", "1.5"]) }
    #expect(throws: (any Error).self) { _ = try DataCommand.Build.parse(["--interactions", "a.csv", "--out", "d", "--min-block-items", "2"]) }
    #expect(throws: (any Error).self) { _ = try DataCommand.Build.parse(["--interactions", "a.csv", "--out", "d", "--item-ids", "ids.txt"]) }
    #expect(throws: (any Error).self) { _ = try DataCommand.Build.parse(["--interactions", "a.csv", "--out", "d", "--boundaries", "1,x"]) }
  }
}
