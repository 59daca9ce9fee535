import Foundation
import Testing

@testable import LorascopeEngine
@testable import lorascope

/// What `verify` prints (Docs/Math.md §31): the bands, the compared directions, the verdict in words.
@Suite("verify's report")
struct VerifyReportTests {
  static func check(predicted: [Double], realized: [Double], bands: TheoryCheck.Bands) -> TheoryCheck {
    TheoryCheck(
      selection: "joint (56 modules)", lambda: 70.2, lambdaEff: 70.2 / 28, fisher: .empirical, bands: bands,
      directions: zip(predicted, realized).enumerated().map { k, pair in
        TheoryCheck.Direction(
          k: 10 + k, rho: 1, predicted: pair.0, realized: pair.1, freeCoefficient: 1, anchoredCoefficient: pair.1)
      },
      correlation: TheoryCheck.pearson(predicted, realized), displacementRatio: 0.88)
  }

  @Test("testable directions: the bands, each compared row and the verdict on them")
  func testableDirections() throws {
    let w = [0.9, 0.7, 0.5, 0.3, 0.1]
    let check = Self.check(predicted: w, realized: w.map { $0 + 0.02 }, bands: TheoryCheck.Bands(below: 4, testable: 60, above: 64))
    let text = VerifyCommand.render([check], stage: 2, fisher: .empirical)
    #expect(text.contains("w<0.05") && text.contains("0.05–0.95") && text.contains("w>0.95"))
    let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("joint (56 modules) ") })
    #expect(row.split(separator: " ").suffix(8).map(String.init) == ["4", "60", "64", "5", "0.0200", "1.0000", "0.8800", "holds"])
    #expect(text.contains("5 of 60 testable directions, an evenly spread subset by w_k"))
    #expect(text.contains("0.7000") && text.contains("0.7200") && text.contains("0.0200"))
    #expect(text.contains("the quadratic model holds"))
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode([check])) as? [[String: Any]]
    let bands = try #require(json?.first?["bands"] as? [String: Int])
    #expect(bands == ["below_0.05": 4, "0.05_to_0.95": 60, "above_0.95": 64])
    #expect(json?.first?["testable_directions"] as? Int == 60)
    #expect(json?.first?["verdict"] as? String == "holds")
  }

  @Test("nothing testable: the report says it cannot be checked at this λ")
  func cannotBeChecked() {
    let check = Self.check(predicted: [], realized: [], bands: TheoryCheck.Bands(below: 0, testable: 0, above: 128))
    let text = VerifyCommand.render([check], stage: 4, fisher: .empirical)
    #expect(text.contains("cannot be checked at this λ: every direction keeps more than 95 %"))
    #expect(!text.contains("holds"))
    let held = Self.check(predicted: [], realized: [], bands: TheoryCheck.Bands(below: 128, testable: 0, above: 0))
    #expect(VerifyCommand.render([held], stage: 4, fisher: .empirical).contains("every direction keeps less than 5 %"))
  }
}
