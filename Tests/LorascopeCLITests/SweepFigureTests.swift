import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@testable import LorascopeEngine
@testable import lorascope

/// The sweep's figures (Docs/Statistics.md, "Sweeps: every arm against single"): well-formed SVG
/// with one marker per arm and the intervals that exist, and the same plots as text.
@Suite("Sweep figures")
struct SweepFigureTests {
  final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) {
      if let cls = attributes["class"] { counts["\(name).\(cls)", default: 0] += 1 }
    }
  }

  static func parse(_ url: URL) throws -> (ok: Bool, counts: [String: Int]) {
    let parser = XMLParser(data: try Data(contentsOf: url))
    let counter = ElementCounter()
    parser.delegate = counter
    return (parser.parse(), counter.counts)
  }

  static func run(_ method: ContinualMethod, lambda: Double, seed: UInt64, shift: Int) -> SweepRunResult {
    let ranks = (0..<3).map { t in
      (0...t).map { j in ExampleRanks(users: Array(0..<12), ranks: (0..<12).map { ($0 + j + Int(seed) + shift) % 9 }) }
    }
    var metrics = RunMetrics(method: method, lambda: lambda, seed: seed, blocks: 3)
    metrics.stages = ranks.enumerated().map { t, blocks in
      StageMetrics(
        stage: t, own: blocks[t].metrics, perBlock: blocks.map(\.metrics), validationCE: 1, trainSteps: 1,
        trainSeconds: 0, evaluationSeconds: 0, finalCE: nil, finalPenalty: nil, penaltyGradientRatio: nil, penaltyNats: nil)
    }
    return SweepRunResult(method: method, lambda: lambda, seed: seed, metrics: metrics, ranks: RunRanks(stages: ranks))
  }

  @Test("lambda_curve.svg and frontier.svg parse as XML with one point per arm; the text plots name every method")
  func figures() throws {
    let lambdas = [0.0, 1, 1e2, 1e4, 1e6]
    var runs: [SweepRunResult] = []
    for seed: UInt64 in [0, 1, 2] {
      runs.append(Self.run(.single, lambda: 0, seed: seed, shift: 0))
      runs.append(Self.run(.frozen, lambda: 0, seed: seed, shift: 3))
      for (i, l) in lambdas.enumerated() { runs.append(Self.run(.peso, lambda: l, seed: seed, shift: i)) }
      for (i, l) in lambdas.prefix(3).enumerated() { runs.append(Self.run(.l2, lambda: l, seed: seed, shift: 2 * i)) }
    }
    let report = try SweepReport(dataset: "test", metric: .ndcg5, results: runs)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-fig-\(UUID().uuidString)")
    let urls = try SweepFigures.writeSVG(report, to: dir)
    let curve = try Self.parse(urls[0])
    #expect(curve.ok)
    // λ curve: peso's 5 λ and l2's 3, each with its interval, for plasticity and for stability;
    // two connected curves per method.
    #expect(curve.counts["circle.point"] == 16)
    #expect(curve.counts["line.interval"] == 16)
    #expect(curve.counts["path.curve"] == 4)
    let frontier = try Self.parse(urls[1])
    #expect(frontier.ok)
    // Frontier: every arm (single, frozen, 5 peso, 3 l2), each with intervals on both axes.
    #expect(frontier.counts["circle.point"] == 10)
    #expect(frontier.counts["line.interval"] == 20)
    let text = SweepFigures.text(report)
    for name in ["peso", "l2", "single", "frozen"] { #expect(text.contains(name), "\(name)") }
    #expect(report.table().contains("no effect measured") || report.table().contains("better") || report.table().contains("worse"))
    // Runs without counting baselines: no lines, no counters in the report.
    #expect(report.counters.isEmpty && frontier.counts["line.reference"] == nil)
  }

  @Test("the counting baselines appear in sweep --json, the table, the study's Results.md and as lines on the frontier")
  func countingBaselines() throws {
    var runs: [SweepRunResult] = []
    for seed: UInt64 in [0, 1] {
      for (method, shift) in [(ContinualMethod.single, 0), (.frozen, 3)] {
        var r = Self.run(method, lambda: 0, seed: seed, shift: shift)
        for t in r.metrics.stages.indices {
          // The counters depend on the seed (its test users) and the block, never on the arm.
          let v = 0.3 + 0.01 * Double(t) + 0.001 * Double(seed)
          let m = RankingMetrics(hit5: v, hit10: v, ndcg5: v, ndcg10: v, mrr: v, count: 12)
          r.metrics.stages[t].baselines = CountingBaselineValues(
            popularity: RankingMetrics(hit5: 0, hit10: 0, ndcg5: 0.01, ndcg10: 0, mrr: 0, count: 12), markov: m, cooccurrence: m)
        }
        // Their ranks: every user's target first (NDCG@5 = 1), so the arms are far below.
        let first = ExampleRanks(users: Array(0..<12), ranks: [Int](repeating: 1, count: 12))
        r.ranks?.baselines = (0..<3).map { _ in CountingBaselineValues(popularity: first, markov: first, cooccurrence: first) }
        runs.append(r)
      }
    }
    let report = try SweepReport(dataset: "test", metric: .ndcg5, results: runs)
    #expect(report.counters.map(\.baseline) == CountingBaseline.allCases)
    // Markov on seed 0: mean of blocks 1 and 2 = 0.315; seed 1: 0.316.
    let markov = try #require(report.counters.first { $0.baseline == .markov })
    #expect(markov.plasticity.perSeed.map { ($0 * 1e6).rounded() / 1e6 } == [0.315, 0.316])
    let json = String(decoding: try report.json(), as: UTF8.self)
    #expect(json.contains("\"counting_baselines\"") && json.contains("\"cooccurrence\""))
    // Every arm's plasticity (at most 8/9 of NDCG… here well under 0.3) is below the Markov counter's.
    let table = report.table()
    #expect(table.contains("below the Markov counter's plasticity") && table.contains("single") && table.contains("frozen"))
    // Paired against the counter's ranks: every arm's interval lies below 0.
    #expect(report.againstCounter.count == 2)
    #expect(report.againstCounter.allSatisfy { $0.counter == .markov && ($0.difference?.upper ?? 0) < 0 })
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-fig-\(UUID().uuidString)")
    let frontier = try Self.parse(try SweepFigures.writeSVG(report, to: dir)[1])
    #expect(frontier.ok)
    #expect(frontier.counts["line.reference"] == 3)
    let findings = StudyFindings(arms: report.arms)
    let document = StudyDocument.render(
      report: report, findings: findings, arguments: try SweepArguments.parse([]), figures: [], wallSeconds: nil)
    #expect(document.contains("## Against counting") && document.contains("| co-occurrence |"))
  }
}
