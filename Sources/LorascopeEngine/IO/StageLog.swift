/// One stage's optimizer steps as the run's log.jsonl recorded them (Docs/Design.md §6): what
/// the screen draws for a finished stage (issue 28 item 1) — its loss curves and P_g of every
/// module at its last step. Read through `RunDirectory.readLog`, so an inspection-only directory
/// serves as well as the writer's, and nothing is written.
public struct StageLog: Sendable, Equatable {
  public let stage: Int
  /// Every step of the stage in log order: the backbone's (stage 0), the warm start's, the
  /// adapter's.
  public let steps: [StepRecord]

  public init(stage: Int, steps: [StepRecord]) {
    self.stage = stage
    self.steps = steps
  }

  /// The steps of one phase, in order.
  public func steps(of phase: PhaseTrainer.Phase) -> [StepRecord] { steps.filter { $0.phase == phase } }

  /// P_g of every module at the stage's last step that had an adapter (the end of training,
  /// where the proximal term has done its work); empty when no step had one.
  public var finalModulePenalty: [Double] { steps.last { !$0.modulePenalty.isEmpty }?.modulePenalty ?? [] }

  /// The stages of `dir`'s log.jsonl, one entry per stage that logged a step, ascending. A
  /// resumed run's log holds only the steps that made its saved stages (Docs/Architecture.md
  /// "Resuming"), so each stage's steps are those of its one training.
  public static func read(from dir: RunDirectory) throws -> [StageLog] {
    let records = try dir.readLog(StepRecord.self)
    var byStage: [Int: [StepRecord]] = [:]
    for record in records { byStage[record.stage, default: []].append(record) }
    return byStage.keys.sorted().map { StageLog(stage: $0, steps: byStage[$0] ?? []) }
  }
}
