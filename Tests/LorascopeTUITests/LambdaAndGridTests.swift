import Testing

@testable import LorascopeTUI

@Suite("λ ladder and module grid")
struct LambdaAndGridTests {
  @Test func ladderIsOneTwoFivePerDecade() {
    #expect(LambdaLadder.values.prefix(7) == [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5])
    #expect(LambdaLadder.values.last == 1e8)
    #expect(LambdaLadder.values.contains(1e7) && LambdaLadder.values.contains(5e4))
    #expect(LambdaLadder.up(from: 2) == 5)
    #expect(LambdaLadder.up(from: 0.37) == 0.5)  // a typed value goes to its neighbour
    #expect(LambdaLadder.down(from: 0.37) == 0.2)
    #expect(LambdaLadder.up(from: 1000) == 2000)
    #expect(LambdaLadder.up(from: 1e8) == 1e8)
    #expect(LambdaLadder.down(from: 0.01) == 0)
    #expect(LambdaLadder.down(from: 0) == 0)
    #expect(LambdaLadder.up(from: 0) == 0.01)
  }

  @Test func decadeSteps() {
    #expect(LambdaLadder.timesTen(from: 2) == 20)
    #expect(LambdaLadder.timesTen(from: 0) == 0.01)
    #expect(LambdaLadder.timesTen(from: 5e7) == 1e8)
    #expect(LambdaLadder.dividedByTen(from: 20) == 2)
    #expect(LambdaLadder.dividedByTen(from: 0.01) == 0)
    #expect(LambdaLadder.dividedByTen(from: 0) == 0)
    // 0 … ≥ 10⁷ in decades: eleven presses of × from 0.01 reach the top.
    var lambda = 0.0
    for _ in 0..<11 { lambda = LambdaLadder.timesTen(from: lambda) }
    #expect(lambda >= 1e7)
  }

  @Test func gridIsLayersAndFactorsByLinears() {
    let grid = ModuleGrid(modules: DashboardFixture.modules())
    #expect(grid.rowLabels == ["L0 A", "L0 B", "L1 A", "L1 B", "L2 A", "L2 B", "L3 A", "L3 B"])
    #expect(grid.columnLabels == DashboardFixture.kinds)
    #expect(grid.cells[0] == GridIndex(row: 0, col: 0))
    #expect(grid.cells[1] == GridIndex(row: 1, col: 0))  // L0 q.B
    #expect(grid.cells[15] == GridIndex(row: 3, col: 0))  // L1 q.B
    let values = grid.values((0..<56).map(Double.init))
    #expect(values[3][0] == 15)
    #expect(grid.step(from: 12, forward: true) == 1)  // L0 down.A → next row starts at L0 q.B
    #expect(grid.vertical(from: 54, down: true) == 55)
    #expect(grid.vertical(from: 55, down: true) == 55)
  }
}
