/// Two runs compared cell by cell of R[t][j] (issue 28 item 2; Docs/Statistics.md, "Paired
/// differences"): run − reference for every cell both runs finished, and — where both scored
/// the same test users of that cell — the paired 95 % interval, users resampled (one seed each,
/// so `PairedBootstrap` resamples users alone). Runs of different seeds score different users
/// and get differences without intervals; a different dataset is refused.
public struct RunComparison: Sendable {
  public struct Cell: Sendable, Equatable {
    public let stage: Int
    public let block: Int
    /// The metric's average under the run minus under the reference.
    public let difference: Double
    /// Nil when the cell's users differ or a run kept no ranks.
    public let interval: ConfidenceInterval?
  }

  public let metric: RankingMetricName
  /// Every (t, j ≤ t) that both runs finished, by stage then block.
  public let cells: [Cell]

  public init(
    run: RunMetrics, runRanks: RunRanks?, reference: RunMetrics, referenceRanks: RunRanks?,
    metric: RankingMetricName = .ndcg5
  ) throws {
    guard run.blocks == reference.blocks else {
      throw LorascopeError.usage("runs of \(run.blocks) and \(reference.blocks) blocks cannot be compared: choose runs of one dataset")
    }
    self.metric = metric
    var cells: [Cell] = []
    for (t, (a, b)) in zip(run.stages, reference.stages).enumerated() {
      for j in 0..<min(a.perBlock.count, b.perBlock.count, t + 1) {
        var interval: ConfidenceInterval?
        if let x = runRanks?.stages[safe: t]?[safe: j], let y = referenceRanks?.stages[safe: t]?[safe: j], x.users == y.users,
           !x.users.isEmpty {
          interval = try ExampleRanks.paired(baseline: [y], treatment: [x], metric: metric).interval()
        }
        cells.append(Cell(stage: t, block: j, difference: a.perBlock[j].value(metric) - b.perBlock[j].value(metric), interval: interval))
      }
    }
    self.cells = cells
  }

  /// The cell (t, j), if both runs finished it.
  public func cell(stage: Int, block: Int) -> Cell? { cells.first { $0.stage == stage && $0.block == block } }
}

extension Array {
  /// The element at `index`, nil outside the array.
  fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
