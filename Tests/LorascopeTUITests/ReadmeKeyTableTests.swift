import Foundation
import Testing

@testable import LorascopeTUI

/// README.md's key table is KeyMap's, rendered: edit the KeyMap and paste the output of
/// `lorascope keys --markdown` between the markers (issue 25 item 3).
@Suite("README key table")
struct ReadmeKeyTableTests {
  static let begin = "<!-- keys: begin (generated: lorascope keys --markdown) -->"
  static let end = "<!-- keys: end -->"

  @Test("the table between README.md's key markers is exactly what KeyMap renders")
  func readmeMatchesKeyMap() throws {
    let readme = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("README.md")
    let text = try String(contentsOf: readme, encoding: .utf8)
    let start = try #require(text.range(of: Self.begin), "README.md has no \(Self.begin) marker")
    let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex), "no \(Self.end) marker")
    let table = text[start.upperBound..<stop.lowerBound].trimmingCharacters(in: .newlines)
    let expected = KeyMap.standard.markdownTable()
    let differing = zip(table.split(separator: "\n", omittingEmptySubsequences: false), expected.split(separator: "\n", omittingEmptySubsequences: false))
      .first { $0 != $1 }
    #expect(
      table == expected,
      "README.md's key table differs from KeyMap (first differing line: \(differing.map { "README \($0.0) vs KeyMap \($0.1)" } ?? "a missing or extra line")); run `lorascope keys --markdown`")
  }
}
