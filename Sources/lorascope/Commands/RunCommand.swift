import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope run`: a headless continual run, a table per stage at the end (Docs/Design.md §8).
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Train every stage headless and print the per-stage metrics.")

  @OptionGroup var options: RunOptions

  @Flag(help: "Print the metrics as JSON on stdout.")
  var json = false

  @Flag(help: "Continue an interrupted run from its last finished stage (needs --run-dir).")
  var resume = false

  func run() throws {
    let dataset = try options.loadDataset()
    let config = try options.runConfig(for: dataset)
    if resume && options.runDir == nil { throw ValidationError("--resume needs --run-dir") }
    let runDir = try options.runDir.map { try RunDirectory(url: URL(fileURLWithPath: $0)) }
    let session = try options.session(config: config, dataset: dataset, runDirectory: runDir, resume: resume)
    let progress = ProgressReporter()
    progress.line("\(dataset.name): \(dataset.numBlocks) blocks, \(dataset.items.numItems) items, vocab \(dataset.items.vocabSize) · \(config.method.rawValue) λ=\(config.lambda) seed \(config.seed) · BLAS \(BLAS.kernelName)")
    // What the data offers, before any training (Docs/Design.md §4.4): healthy codes, and drift to learn.
    progress.line(dataset.codeHealth.summary)
    progress.line(dataset.drift.summary)
    let metrics = try session.run(onEvent: progress.handle)
    if json {
      try printJSON(RunReport(metrics: metrics, ranks: session.ranks))
    } else {
      try printResult(RunReport.render(metrics, ranks: session.ranks))
    }
  }
}

/// The result of a run as printed by `run` and `sweep`: metrics plus the summaries.
struct RunReport: Encodable {
  let metrics: RunMetrics
  /// The per-user ranks, for the paired interval of the model against the best counter.
  var ranks: RunRanks? = nil
  /// Per stage, the model against the best counting baseline on its own block (Docs/Math.md §44).
  var counters: [CountingBaselineComparison] { CountingBaselineComparison.perStage(runs: [(metrics, ranks)]) }
  var ndcg5AverageBlocks1ToEnd: Double? { metrics.averageOverLaterBlocks(.ndcg5) }
  var hit5AverageBlocks1ToEnd: Double? { metrics.averageOverLaterBlocks(.hit5) }
  var forgettingNDCG5: Double? { metrics.matrix(.ndcg5).forgetting() }
  var backwardTransferNDCG5: Double? { metrics.matrix(.ndcg5).backwardTransfer() }

  enum CodingKeys: String, CodingKey {
    case metrics, ndcg5AverageBlocks1ToEnd = "ndcg5_avg_blocks_1_to_end", hit5AverageBlocks1ToEnd = "hit5_avg_blocks_1_to_end"
    case forgettingNDCG5 = "forgetting_ndcg5", backwardTransferNDCG5 = "bwt_ndcg5", matrixNDCG5 = "matrix_ndcg5"
    case counters = "model_against_best_counter"
  }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(metrics, forKey: .metrics)
    try c.encode(ndcg5AverageBlocks1ToEnd, forKey: .ndcg5AverageBlocks1ToEnd)
    try c.encode(hit5AverageBlocks1ToEnd, forKey: .hit5AverageBlocks1ToEnd)
    try c.encode(forgettingNDCG5, forKey: .forgettingNDCG5)
    try c.encode(backwardTransferNDCG5, forKey: .backwardTransferNDCG5)
    try c.encode(metrics.matrix(.ndcg5).values, forKey: .matrixNDCG5)
    try c.encode(counters, forKey: .counters)
  }

  static func render(_ m: RunMetrics, ranks: RunRanks? = nil) -> String {
    var t = TextTable(["stage", "steps", "final CE", "penalty", "valid CE", "Hit@5", "NDCG@5", "Hit@10", "NDCG@10", "MRR", "train s", "eval s"])
    for s in m.stages {
      t.add(["\(s.stage)", "\(s.trainSteps)", f4(s.finalCE), f4(s.finalPenalty), f4(s.validationCE), f4(s.own.hit5),
             f4(s.own.ndcg5), f4(s.own.hit10), f4(s.own.ndcg10), f4(s.own.mrr), f2(s.trainSeconds), f2(s.evaluationSeconds)])
    }
    var out = "\(m.method.rawValue)  λ=\(m.lambdaHistory.map { String($0.lambda) }.joined(separator: "→"))  seed \(m.seed)"
    if let b = m.backboneSeconds { out += String(format: "  (backbone pretraining %.1fs)", b) }
    out += "\n" + t.render()
    var r = TextTable(["R[t][j] NDCG@5"] + (0..<m.blocks).map { "block \($0)" })
    let matrix = m.matrix(.ndcg5)
    for (ti, row) in matrix.values.enumerated() { r.add(["after stage \(ti)"] + row.map { f4($0) }) }
    // The counters of block j fitted on blocks 0…j (what stage j trained on), under each column:
    // the diagonal's reference, and for j < t what counting kept without forgetting anything.
    if m.stages.contains(where: { $0.baselines != nil }) {
      for counter in CountingBaseline.allCases {
        r.add([counter.label] + (0..<m.blocks).map { j in
          m.stages.first { $0.stage == j }?.baselines.map { f4($0[counter].ndcg5) } ?? "—"
        })
      }
    }
    out += "\n\n" + r.render()
    let report = RunReport(metrics: m)
    out += "\n\nNDCG@5 averaged over blocks 1…\(m.blocks - 1): \(f4(report.ndcg5AverageBlocks1ToEnd))"
    out += "   forgetting: \(f4(report.forgettingNDCG5))   BWT: \(f4(report.backwardTransferNDCG5))"
    if let counters = renderCounters(m, ranks: ranks) { out += "\n\n" + counters }
    return out
  }

  /// The counting baselines' NDCG@5 beside the model's on each stage's own block, the paired
  /// interval of model − best counter, and a plain sentence for every block where the model is
  /// below it (Docs/Math.md §44). Nil for metrics written before the baselines were recorded.
  static func renderCounters(_ m: RunMetrics, ranks: RunRanks?) -> String? {
    let comparisons = CountingBaselineComparison.perStage(runs: [(m, ranks)])
    guard !comparisons.isEmpty else { return nil }
    var t = TextTable(["NDCG@5 on block t", "model"] + CountingBaseline.allCases.map(\.label) + ["model − best counter [95%]"])
    for c in comparisons {
      guard let counters = m.stages[c.stage].baselines else { continue }
      t.add(["stage \(c.stage)", f4(c.model)] + CountingBaseline.allCases.map { f4(counters[$0].ndcg5) }
        + [c.difference.map { "\($0.signedText) vs \(c.counter.label)" } ?? "—"])
    }
    var out = t.render()
    let below = comparisons.compactMap(\.belowSentence)
    out += below.isEmpty
      ? "\nthe model is above every counting baseline on every block"
      : below.map { "\n" + $0 }.joined()
    return out
  }
}
