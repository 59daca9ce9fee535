import Foundation
import Testing

@testable import LorascopeEngine

/// The one JSON reader (IO/JSONParser.swift): positions in errors and the two rule sets.
struct JSONParserTests {
  private func syntaxError(_ text: String, rules: JSONParser.Rules = .strict) -> JSONSyntaxError? {
    do {
      _ = try JSONParser.parse(Array(text.utf8), rules: rules)
      return nil
    } catch {
      return error
    }
  }

  @Test("an error names the byte, the line and the column where the reader stopped")
  func errorNamesLineAndColumn() throws {
    let error = try #require(syntaxError("{\n  \"a\": 1,\n  \"b\": tru\n}"))
    #expect(error.line == 3)
    #expect(error.column == 8)
    #expect(error.offset == 19)
    #expect(error.description == "invalid literal (expected true) at byte 19 (line 3, column 8)")
  }

  @Test("the first line and column are 1, and an error at the end points past the last byte")
  func positionsAtTheEdges() throws {
    let first = try #require(syntaxError("x"))
    #expect((first.line, first.column, first.offset) == (1, 1, 0))
    let end = try #require(syntaxError("[1,\n2"))
    #expect((end.line, end.column, end.offset) == (2, 2, 5))
    #expect(end.message.contains("unexpected end of file"))
  }

  @Test("a duplicate key is reported where the repeated key starts")
  func duplicateKeyPosition() throws {
    let error = try #require(syntaxError("{\"a\": 1,\n \"a\": 2}"))
    #expect(error.message == "duplicate key \"a\"")
    #expect((error.line, error.column) == (2, 2))
  }

  @Test("strict rules refuse a byte order mark, repeated keys and invalid UTF-8; dataset rules accept them")
  func ruleSets() throws {
    let bom = "\u{FEFF}{\"a\": 1}"
    #expect(syntaxError(bom) != nil)
    #expect(try JSONParser.parse(Array(bom.utf8), rules: .datasetFiles)["a"] == .number("1"))

    let repeated = "{\"a\": 1, \"a\": 2}"
    #expect(syntaxError(repeated) != nil)
    let kept = try JSONParser.parse(Array(repeated.utf8), rules: .datasetFiles)
    #expect(kept.objectMembers?.map(\.key) == ["a", "a"])

    let latin1: [UInt8] = Array("[\"caf".utf8) + [0xE9] + Array("\"]".utf8)
    #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(latin1) }
    #expect(try JSONParser.parse(latin1, rules: .datasetFiles) == .array([.string("caf\u{FFFD}")]))
  }

  @Test("nesting deeper than the limit is refused, not recursed into")
  func depthLimit() throws {
    let deep = String(repeating: "[", count: JSONParser.maxDepth + 1) + String(repeating: "]", count: JSONParser.maxDepth + 1)
    let error = try #require(syntaxError(deep))
    #expect(error.message.contains("nesting deeper than \(JSONParser.maxDepth)"))
    let limit = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
    #expect(syntaxError(limit) == nil)
  }

  @Test("members keep file order, numbers keep their spelling, escapes and surrogate pairs decode")
  func values() throws {
    let value = try JSONParser.parse(Array(#"{"z": 1.50, "a": [-0, 2e3], "s": "\u00e9\ud83d\ude00\n"}"#.utf8))
    #expect(value.objectMembers?.map(\.key) == ["z", "a", "s"])
    #expect(value["z"] == .number("1.50"))
    #expect(value["a"] == .array([.number("-0"), .number("2e3")]))
    #expect(value["s"] == .string("é😀\n"))
  }
}
