import Foundation
import Testing

@testable import LorascopeEngine

/// The method table behind `--method` (Docs/Design.md §2, Docs/Architecture.md "Adding a method").
@Suite("Method table")
struct MethodTableTests {
  @Test("every name is one row, round-trips through JSON, and the named methods are rows")
  func table() throws {
    let names = ContinualMethod.table.map(\.name)
    #expect(Set(names).count == names.count)
    #expect(ContinualMethod.allCases.map(\.rawValue) == names)
    #expect(names.prefix(7) == ["peso", "l2", "ewc", "single", "cumulative-all", "cumulative-latest", "frozen"])
    for m in ContinualMethod.allCases {
      #expect(m.definition.name == m.rawValue)
      let json = try JSONEncoder().encode(m)
      #expect(String(decoding: json, as: UTF8.self) == "\"\(m.rawValue)\"")
      #expect(try JSONDecoder().decode(ContinualMethod.self, from: json) == m)
    }
    #expect(ContinualMethod(rawValue: "sgd") == nil)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(ContinualMethod.self, from: Data("\"sgd\"".utf8)) }
    let named: [ContinualMethod] = [.peso, .l2, .ewc, .single, .cumulativeAll, .cumulativeLatest, .frozen, .synapticIntelligence]
    #expect(named.allSatisfy { ContinualMethod(rawValue: $0.rawValue) == $0 })
  }

  @Test("what each method does, as the seam reads it")
  func behaviour() throws {
    func row(_ name: String) throws -> any ContinualMethodDefinition { try #require(ContinualMethod(rawValue: name)).definition }
    let forking = ContinualMethod.table.filter(\.forksOneAdapter).map(\.name)
    #expect(forking == ["peso", "l2", "ewc", "single", "si"])
    #expect(ContinualMethod.table.filter(\.usesLambda).map(\.name) == ["peso", "l2", "ewc", "si", "olora"])
    #expect(try row("cumulative-all").frozenPastStages(before: 3) == 0..<3)
    #expect(try row("cumulative-latest").frozenPastStages(before: 3) == 2..<3)
    #expect(try row("olora").frozenPastStages(before: 3) == 0..<3)
    #expect(try row("peso").frozenPastStages(before: 3).isEmpty)
    #expect(try !row("frozen").trainsAfterBlockZero)
    #expect(try row("si").keepsStateFromTraining)
  }
}
