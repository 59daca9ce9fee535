import Foundation
import Testing

@testable import LorascopeEngine

/// R[t][j] summaries: the paper's diagonal average and Avalanche's forgetting, BWT and FWT.
struct ContinualMatrixTests {
  /// Rows: state after stage t; columns: test users of block j.
  let matrix = ContinualMatrix(values: [
    [0.50, 0.25, 0.10],
    [0.40, 0.60, 0.35],
    [0.30, 0.50, 0.70],
  ])

  static func close(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) < 1e-12
  }

  @Test func diagonalAndHeadlineAverage() {
    #expect(matrix.diagonal == [0.50, 0.60, 0.70])
    // The paper's headline: blocks 1..T−1, each right after its own stage.
    #expect(Self.close(matrix.averageDiagonal(), 0.65))
    #expect(Self.close(matrix.averageDiagonal(fromBlock: 0), 0.60))
    #expect(Self.close(matrix.averageSeen(), 0.50))
    #expect(Self.close(matrix.averageSeen(afterStage: 1), 0.50))
  }

  @Test func forgettingIsInitialMinusLast() {
    // Block 0: 0.50 right after stage 0, 0.30 at the end; block 1: 0.60 then 0.50.
    #expect(Self.close(matrix.forgetting(block: 0, afterStage: 2), 0.20))
    #expect(Self.close(matrix.forgetting(block: 1, afterStage: 2), 0.10))
    #expect(matrix.forgetting(block: 2, afterStage: 2) == nil)  // just trained: no forgetting yet
    #expect(Self.close(matrix.forgetting(), 0.15))
    #expect(Self.close(matrix.forgetting(afterStage: 1), 0.10))
    #expect(matrix.forgetting(afterStage: 0) == nil)
  }

  @Test func backwardTransferIsNegatedForgetting() {
    // GEM's BWT: mean of R[T−1][j] − R[j][j] over j < T−1 = ((0.3 − 0.5) + (0.5 − 0.6)) / 2.
    #expect(Self.close(matrix.backwardTransfer(), -0.15))
    #expect(Self.close(matrix.backwardTransfer(afterStage: 1), -0.10))
  }

  @Test func forwardTransferAgainstABaseline() {
    // (R[0][1] − b1 + R[1][2] − b2) / 2 = ((0.25 − 0.20) + (0.35 − 0.30)) / 2.
    #expect(Self.close(matrix.forwardTransfer(baseline: [0.1, 0.2, 0.3]), 0.05))
    #expect(Self.close(matrix.forwardTransfer(baseline: [nil, nil, 0.25]), 0.10))
    #expect(matrix.forwardTransfer(baseline: [0.1]) == nil)
  }

  @Test func partialMatricesUseWhatIsThere() throws {
    var running = ContinualMatrix(stageCount: 3, blockCount: 3)
    #expect(running.latestStage == nil)
    #expect(running.forgetting() == nil)
    #expect(running.averageDiagonal() == nil)
    try running.set(0.5, stage: 0, block: 0)
    try running.set(0.4, stage: 1, block: 0)
    try running.set(0.6, stage: 1, block: 1)
    #expect(running.latestStage == 1)
    #expect(Self.close(running.forgetting(), 0.1))
    #expect(Self.close(running.averageDiagonal(), 0.6))
    #expect(running[2, 2] == nil)
    #expect(running[5, 0] == nil)
    #expect(running[-1, 0] == nil)

    // Setting past the end grows the matrix; a negative index throws.
    try running.set(0.9, stage: 3, block: 4)
    #expect(running.stageCount == 4)
    #expect(running.blockCount == 5)
    #expect(running[3, 4] == 0.9)
    #expect(throws: LorascopeError.self) { try running.set(1, stage: -1, block: 0) }
  }

  @Test func buildsFromRankingResultsAndRoundTripsAsJSON() throws {
    let m = RankingMetrics(hit5: 0.4, hit10: 0.5, ndcg5: 0.3, ndcg10: 0.35, mrr: 0.25, count: 10)
    let grid: [[RankingMetrics?]] = [[m, nil], [m, m]]
    let ndcg5 = ContinualMatrix(grid, metric: .ndcg5)
    #expect(ndcg5.values == [[0.3, nil], [0.3, 0.3]])

    let data = try JSONEncoder().encode(ndcg5)
    #expect(String(decoding: data, as: UTF8.self).contains("null"))
    #expect(try JSONDecoder().decode(ContinualMatrix.self, from: data) == ndcg5)
  }
}
