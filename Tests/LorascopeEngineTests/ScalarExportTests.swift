import Foundation
import Testing

@testable import LorascopeEngine

/// `export-scalars` (issue 28 item 4): every logged step and every stage's metrics as rows, the
/// JSON Lines and CSV read back equal to what went in.
@Suite("Scalar export")
struct ScalarExportTests {
  static func record(stage: Int, phase: PhaseTrainer.Phase, step: Int, ce: Double, penalty: Double, ratio: Double?)
    -> StepRecord
  {
    StepRecord(
      stage: stage, phase: phase, step: step, totalSteps: 2, ce: ce, penalty: penalty, penaltyGradientRatio: ratio,
      modulePenalty: [], lambda: 2, lr: 1e-3, gradNorm: 0.5)
  }

  static let log = [
    record(stage: 0, phase: .backbone, step: 1, ce: 4.5, penalty: 0, ratio: nil),
    record(stage: 0, phase: .backbone, step: 2, ce: 4.25, penalty: 0, ratio: nil),
    record(stage: 1, phase: .adapter, step: 1, ce: 3.5, penalty: 1.5e-5, ratio: 2e-4),
    record(stage: 1, phase: .adapter, step: 2, ce: .nan, penalty: 2e-5, ratio: 3e-4),
  ]

  static var metrics: RunMetrics {
    var metrics = RunMetrics(method: .peso, lambda: 2, seed: 0, blocks: 2)
    let ranking = RankingMetrics(hit5: 0.2, hit10: 0.3, ndcg5: 0.1, ndcg10: 0.15, mrr: 0.09, count: 10)
    metrics.stages = (0..<2).map { t in
      StageMetrics(
        stage: t, own: ranking, perBlock: Array(repeating: ranking, count: t + 1), validationCE: 3, trainSteps: 2,
        trainSeconds: 1, evaluationSeconds: 1, finalCE: 3.25, finalPenalty: nil)
    }
    return metrics
  }

  @Test func everyStepAndStageBecomesRowsOnOneGlobalStep() {
    let rows = ScalarExport.rows(log: Self.log, metrics: Self.metrics)
    #expect(rows.filter { $0.tag == "train/ce" }.map(\.step) == [1, 2, 3, 4])
    #expect(rows.filter { $0.tag == "train/total" && $0.step == 3 }.map(\.value) == [3.5 + 1.5e-5])
    #expect(rows.filter { $0.tag == "train/penalty_gradient_ratio" }.map(\.value) == [2e-4, 3e-4])
    // A stage's evaluation sits at its last step, after that step's training rows.
    #expect(rows.filter { $0.tag == "stage/ndcg5" }.map(\.step) == [2, 4])
    #expect(rows.filter { $0.tag.hasPrefix("stage/ndcg5_block") }.map(\.tag)
      == ["stage/ndcg5_block0", "stage/ndcg5_block0", "stage/ndcg5_block1"])
    #expect(!rows.contains { $0.tag == "stage/final_penalty" })  // not recorded: no row
    #expect(rows.last?.phase == "eval")
    #expect(rows.map(\.step) == rows.map(\.step).sorted())
  }

  @Test func jsonLinesAndCSVReadBackEqual() throws {
    let rows = ScalarExport.rows(log: Self.log, metrics: Self.metrics)
    let lines = ScalarExport.jsonLines(rows).split(separator: "\n")
    #expect(lines.count == rows.count)
    for (line, row) in zip(lines, rows) {
      let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(object["tag"] as? String == row.tag)
      #expect(object["step"] as? Int == row.step)
      #expect(object["stage"] as? Int == row.stage)
      #expect(object["phase"] as? String == row.phase)
      if row.value.isFinite {
        #expect(object["value"] as? Double == row.value)
      } else {
        #expect(object["value"] is NSNull)  // the NaN loss stays, as null
      }
    }
    let csv = ScalarExport.csv(rows).split(separator: "\n")
    #expect(csv.first == "tag,step,stage,phase,value")
    #expect(csv.count == rows.count + 1)
    for (line, row) in zip(csv.dropFirst(), rows) {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      #expect(fields[0] == row.tag && Int(fields[1]) == row.step && fields[3] == row.phase)
      if row.value.isNaN { #expect(fields[4] == "nan") } else { #expect(Double(fields[4]) == row.value) }
    }
  }

  /// CRC-32C's check value (RFC 3720 B.4) and TFRecord framing: every record's length and data
  /// carry their masked CRC, and the first event is the file version TensorBoard requires. The
  /// values themselves are read back by TensorBoard in Scripts/interop/check_scalars.py.
  @Test func tensorBoardRecordsAreFramedAndChecksummed() {
    #expect(TensorBoardEvents.crc32c(Data("123456789".utf8)) == 0xe306_9283)
    let rows = ScalarExport.rows(log: Self.log, metrics: Self.metrics)
    let file = [UInt8](TensorBoardEvents.file(rows, wallTime: 1_700_000_000))
    func word<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
      (0..<MemoryLayout<T>.size).reduce(T(0)) { $0 | T(file[offset + $1]) << (8 * $1) }
    }
    var offset = 0
    var records: [[UInt8]] = []
    while offset < file.count {
      let length = Int(word(UInt64.self, at: offset))
      #expect(word(UInt32.self, at: offset + 8) == TensorBoardEvents.maskedCRC32C(Data(file[offset..<offset + 8])))
      let record = Array(file[offset + 12..<offset + 12 + length])
      #expect(word(UInt32.self, at: offset + 12 + length) == TensorBoardEvents.maskedCRC32C(Data(record)))
      records.append(record)
      offset += 16 + length
    }
    #expect(offset == file.count)
    #expect(records.count == rows.count + 1)
    #expect(String(decoding: records[0], as: UTF8.self).contains("brain.Event:2"))
    #expect(String(decoding: records[1], as: UTF8.self).contains("train/ce"))
  }
}
