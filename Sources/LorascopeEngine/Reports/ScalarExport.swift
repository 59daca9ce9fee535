import Foundation

/// Every scalar a run logged, as rows other tools read (issue 28 item 4, `lorascope
/// export-scalars`): one row per (tag, step) in the shape TensorBoard and W&B give scalars — a
/// tag, a global step, a value — plus the stage and the phase, so a row can be traced back to its
/// line of log.jsonl (Docs/Design.md §6) or its stage in metrics.json.
///
/// The global step counts the optimizer steps of log.jsonl in order from 1 (the log's own `step`
/// restarts with every phase, which would fold the stages onto one another on a shared x axis).
/// A stage's evaluation is placed at the global step of that stage's last logged step.
public struct ScalarRow: Sendable, Equatable {
  /// `train/ce`, `stage/ndcg5`, `stage/ndcg5_block2`, …
  public var tag: String
  public var step: Int
  public var stage: Int
  /// The training phase's raw value ("backbone", "adapter-warm-start", "adapter"), or "eval".
  public var phase: String
  public var value: Double

  public init(tag: String, step: Int, stage: Int, phase: String, value: Double) {
    self.tag = tag
    self.step = step
    self.stage = stage
    self.phase = phase
    self.value = value
  }
}

public enum ScalarExport {
  /// The rows of a run: per logged step CE, penalty, total, λ, learning rate, gradient norm and
  /// (when measured) ‖λ_eff ∇P‖/‖∇CE‖; per finished stage its metrics on its own block, the
  /// NDCG@5 of every block so far (row t of R[t][j]), validation CE, final CE and penalty, the
  /// stage's gradient ratio and penalty in nats. Ordered by step, then as listed.
  public static func rows(log: [StepRecord], metrics: RunMetrics?) -> [ScalarRow] {
    var rows: [ScalarRow] = []
    var lastStepOfStage: [Int: Int] = [:]
    for (index, record) in log.enumerated() {
      let step = index + 1
      lastStepOfStage[record.stage] = step
      func add(_ tag: String, _ value: Double) {
        rows.append(ScalarRow(tag: "train/" + tag, step: step, stage: record.stage, phase: record.phase.rawValue, value: value))
      }
      add("ce", record.ce)
      add("penalty", record.penalty)
      add("total", record.total)
      add("lambda", record.lambda)
      add("lr", record.lr)
      add("grad_norm", record.gradNorm)
      if let ratio = record.penaltyGradientRatio { add("penalty_gradient_ratio", ratio) }
    }
    var evaluations: [ScalarRow] = []
    for stage in metrics?.stages ?? [] {
      let step = lastStepOfStage[stage.stage] ?? 0
      func add(_ tag: String, _ value: Double?) {
        guard let value else { return }
        evaluations.append(ScalarRow(tag: "stage/" + tag, step: step, stage: stage.stage, phase: "eval", value: value))
      }
      add("ndcg5", stage.own.ndcg5)
      add("ndcg10", stage.own.ndcg10)
      add("hit5", stage.own.hit5)
      add("hit10", stage.own.hit10)
      add("mrr", stage.own.mrr)
      for (block, ranking) in stage.perBlock.enumerated() { add("ndcg5_block\(block)", ranking.ndcg5) }
      add("validation_ce", stage.validationCE)
      add("final_ce", stage.finalCE)
      add("final_penalty", stage.finalPenalty)
      add("penalty_gradient_ratio", stage.penaltyGradientRatio)
      add("penalty_nats", stage.penaltyNats)
    }
    // Stable: a stage's evaluation follows the training rows of its last step.
    return (rows + evaluations).enumerated().sorted { ($0.element.step, $0.offset) < ($1.element.step, $1.offset) }
      .map(\.element)
  }

  /// One JSON object per line: `{"tag":…,"step":…,"stage":…,"phase":…,"value":…}`; a value that
  /// is not finite is `null` (JSON has no NaN), as a NaN loss must stay visible, not vanish.
  public static func jsonLines(_ rows: [ScalarRow]) -> String {
    rows.map { row in
      "{\"tag\":\(quoted(row.tag)),\"step\":\(row.step),\"stage\":\(row.stage),\"phase\":\(quoted(row.phase)),"
        + "\"value\":\(row.value.isFinite ? number(row.value) : "null")}\n"
    }.joined()
  }

  /// A header line `tag,step,stage,phase,value`, then one row per scalar; a value that is not
  /// finite is written `nan`, `inf` or `-inf`, which pandas and the csv readers of R read as such.
  public static func csv(_ rows: [ScalarRow]) -> String {
    "tag,step,stage,phase,value\n"
      + rows.map { row in
        let value = row.value.isNaN ? "nan" : row.value.isInfinite ? (row.value > 0 ? "inf" : "-inf") : number(row.value)
        return "\(row.tag),\(row.step),\(row.stage),\(row.phase),\(value)\n"
      }.joined()
  }

  /// The shortest decimal that reads back as the same Double (Swift's `description`), which is
  /// valid JSON and CSV for every finite value.
  private static func number(_ value: Double) -> String { "\(value)" }

  /// Tags and phases are lorascope's own ASCII names; quoting still escapes what JSON requires.
  private static func quoted(_ text: String) -> String {
    var result = "\""
    for c in text.unicodeScalars {
      switch c {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case _ where c.value < 0x20: result += String(format: "\\u%04x", c.value)
      default: result.unicodeScalars.append(c)
      }
    }
    return result + "\""
  }
}
