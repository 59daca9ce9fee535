import Testing

@testable import LorascopeTUI

@Suite("LossHistory")
struct LossHistoryTests {
  @Test func keepsEveryStepUntilFullThenHalves() {
    var history = LossHistory(capacity: 8)
    for step in 0..<7 { history.append(ce: Double(step), penalty: 0.5) }
    #expect(history.steps == [0, 1, 2, 3, 4, 5, 6])
    #expect(history.bucketSize == 1)
    history.append(ce: 7, penalty: 0.5)
    // Full at 8 points: pairs averaged, each point now stands for 2 steps.
    #expect(history.steps == [0.5, 2.5, 4.5, 6.5])
    #expect(history.ce == [0.5, 2.5, 4.5, 6.5])
    #expect(history.bucketSize == 2)
    for step in 8..<1000 { history.append(ce: Double(step), penalty: 0.5) }
    #expect(history.steps.count < 8)
    #expect(history.count == 1000)
    #expect(history.latest?.ce == 999)
    #expect(history.hasPenalty)
    // The whole run stays on the chart: the first point is still near step 0.
    #expect((history.steps.first ?? 1000) < 100)
  }

  @Test func chartSeriesAreDownsampledAndIncludeTheUnfinishedBucket() {
    var history = LossHistory()
    #expect(history.isEmpty)
    for step in 0..<500 { history.append(ce: 2, penalty: step < 250 ? 0 : 0.25) }
    let series = history.chartSeries(maxPoints: 100)
    #expect(series.map(\.name) == ["CE", "penalty", "total"])
    #expect(series.allSatisfy { $0.points.count == 100 })
    #expect(series[2].points.last?.y == 2.25)
    #expect(series[1].points.first?.y == 0)

    var odd = LossHistory(capacity: 4)
    for step in 0..<5 { odd.append(ce: Double(step), penalty: 0) }  // buckets of 2, one pending
    #expect(odd.chartSeries(maxPoints: 10)[0].points.last?.x == 4)
  }
}
