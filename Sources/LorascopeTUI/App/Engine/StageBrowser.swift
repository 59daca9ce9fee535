import LorascopeEngine

/// The finished stages of a run, one at a time, for the engine thread (issue 28 item 1): what
/// the loss and penalty panels draw for stage t, read once from log.jsonl (`StageLog`), and the
/// spectrum source of each stage asked for, built on the engine thread from the saved run
/// (`ContinualSession.spectrumSource`, the path `lorascope spectrum` takes) and kept in memory,
/// so coming back to a stage costs no reload. Nothing here writes; the screen holds no reading
/// or analysis of its own (Docs/Architecture.md "The screen and the engine").
struct StageBrowser {
  /// The loss curves and the final P_g of one stage, as the snapshot carries them.
  struct StageView {
    var backboneLoss = LossHistory()
    /// The warm start's steps for stage 0, the adapter phase's for t ≥ 1.
    var adapterLoss = LossHistory()
    var modulePenalty: [Double] = []
    /// Optimizer steps the stage's last phase took (the spectrum's "step").
    var lastStep = 0
  }

  private let logs: [Int: StageLog]
  private var sources: [Int: LiveSpectrumSource] = [:]

  /// Reads the log of `session`'s run directory (nothing when the run has none: a run in memory
  /// logs nowhere).
  init(session: ContinualSession) throws {
    var logs: [Int: StageLog] = [:]
    if let dir = session.runDirectory {
      for log in try StageLog.read(from: dir) { logs[log.stage] = log }
    }
    self.logs = logs
  }

  /// Whether log.jsonl holds any step of stage t.
  func hasLog(stage t: Int) -> Bool { logs[t] != nil }

  func view(stage t: Int) -> StageView {
    var view = StageView()
    guard let log = logs[t] else { return view }
    for record in log.steps {
      if record.phase == .backbone {
        view.backboneLoss.append(ce: record.ce, penalty: record.penalty)
      } else {
        view.adapterLoss.append(ce: record.ce, penalty: record.penalty)
      }
      view.lastStep = record.step
    }
    view.modulePenalty = log.finalModulePenalty
    return view
  }

  /// Stage t's spectrum source (t ≥ 1): built the first time from the saved stages (the model
  /// after stage t − 1 and its adapter as the anchor), then the same copy, whose gradients the
  /// worker keeps.
  mutating func source(stage t: Int, session: ContinualSession, nextID: () -> Int) throws -> LiveSpectrumSource {
    if let source = sources[t] { return source }
    let built = try session.spectrumSource(stage: t, probeSize: SpectrumWorker.probeSize, seed: session.config.seed)
    let source = LiveSpectrumSource(id: nextID(), source: built, step: view(stage: t).lastStep)
    sources[t] = source
    return source
  }
}
