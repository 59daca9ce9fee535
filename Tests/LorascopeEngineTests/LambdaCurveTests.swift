import Foundation
import Testing

@testable import LorascopeEngine

/// The predicted λ curve (Docs/Math.md §45) against what a race realizes.
@Suite("λ curve")
struct LambdaCurveTests {
  static func point(_ lambda: Double, _ retained: Double) -> LambdaCurve.Point {
    LambdaCurve.Point(lambda: lambda, retainedH: retained, retainedFrobenius: retained, newCEDelta: 0, oldCEDelta: 0)
  }

  @Test("a suggestion is the first crossing, interpolated in log λ; none where the curve does not cross")
  func crossingInterpolatesInLogLambda() throws {
    let curve = [Self.point(1, 0.95), Self.point(100, 0.45), Self.point(1e4, 0.05)]
    // 0.5 lies 0.9 of the way from 0.95 to 0.45: λ = 10^(2·0.9).
    let half = try #require(LambdaCurve.crossing(curve, retained: 0.5))
    #expect(abs(half - Foundation.pow(10, 1.8)) < 1e-9 * half)
    #expect(LambdaCurve.crossing(curve, retained: 0.99) == nil)
    #expect(LambdaCurve.crossing(curve, retained: 0.01) == nil)
    let grid = LambdaCurve.defaultGrid(centre: 50)
    #expect(grid.count >= 13)
    #expect(abs(Foundation.log10(grid.last! / grid.first!) - 7) < 1e-9)
  }

  @Test("the JSON a script reads: stage, curve entries, suggested_lambda keyed by fraction (null when not reached), seconds")
  func jsonShape() throws {
    let curve = LambdaCurve(stage: 3, curve: [Self.point(1, 0.7)], suggestedLambda: [2, nil, 8], seconds: 1.5)
    let data = try JSONEncoder().encode(curve)
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(json["stage"] as? Int == 3)
    #expect(json["seconds"] as? Double == 1.5)
    let entry = try #require((json["curve"] as? [[String: Any]])?.first)
    #expect(Set(entry.keys) == ["lambda", "retained_h", "retained_fro", "new_ce_delta", "old_ce_delta"])
    let suggested = try #require(json["suggested_lambda"] as? [String: Any])
    #expect(suggested["0.9"] as? Double == 2 && suggested["0.1"] as? Double == 8)
    #expect(suggested["0.5"] is NSNull)
    let back = try JSONDecoder().decode(LambdaCurve.self, from: data)
    #expect(back.suggestedLambda == [2, nil, 8] && back.curve == curve.curve)
  }

  @Test("the λ suggested for 90/50/10 % retained realizes it within 0.1 in a race (synthetic data, fixed seed)")
  func predictionMatchesTheRace() throws {
    let data = try ContinualPipelineTests.dataset(drift: 1)
    let config = ContinualPipelineTests.config(data, method: .peso)
    let session = try ContinualSession(config: config, dataset: data, backboneCache: ContinualPipelineTests.tempDir())
    while session.stage < 1 { _ = try session.advance() }
    let curve = try session.predictLambdaCurve(stage: 1)
    #expect(curve.curve.count >= 13)
    // Retained falls with λ (the same batches for every lane: no noise between them).
    for (a, b) in zip(curve.curve, curve.curve.dropFirst()) { #expect(b.retainedH <= a.retainedH + 1e-9) }
    let suggested = curve.suggestedLambda.compactMap { $0 }
    try #require(suggested.count == 3, "suggestions \(curve.suggestedLambda)")
    let race = try StageRace(session: session, stage: 1, lambdas: [0] + suggested)
    let result = try race.run()
    let free = result.lanes[0].displacementH
    for (target, lane) in zip(LambdaCurve.targets, result.lanes.dropFirst()) {
      let realized = lane.displacementH / free
      #expect(abs(realized - target) <= 0.1, "λ \(lane.lambda): predicted \(target), realized \(realized)")
    }
    let half = result.lanes[2].displacementH / free
    #expect((0.4...0.6).contains(half), "λ(0.5) = \(result.lanes[2].lambda) realized \(half)")
  }
}
