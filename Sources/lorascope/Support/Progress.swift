import Foundation
import LorascopeEngine

/// Progress of long work on stderr (Docs/Design.md §8): backbone pretraining and every stage's
/// training as a bar with rate and ETA redrawn in place on a terminal; when stderr is not a
/// terminal (a log file, a cluster job), one plain line per phase, a plain line at most every
/// `plainInterval` seconds while a phase runs, and one per finished stage — logs stay readable.
/// Sweeps and studies add a line per run with the runs done, the time spent and the ETA.
final class ProgressReporter {
  private let interactive: Bool
  private var phaseSteps = 0
  private var phaseName = ""
  private var phaseIsBackbone = false
  private var lastDraw = Date.distantPast
  private var phaseStart = Date()
  private let quiet: Bool
  /// Seconds between plain progress lines when stderr is not a terminal.
  let plainInterval: TimeInterval
  private var jobsStart: Date?
  /// Put before every line: which run a line is about when runs go side by side.
  private let prefix: String
  /// `job` lines may come from runs side by side.
  private let jobLock = NSLock()

  init(quiet: Bool = false, interactive: Bool = isatty(2) != 0, plainInterval: TimeInterval = 30, prefix: String = "") {
    self.quiet = quiet
    self.interactive = interactive
    self.plainInterval = plainInterval
    self.prefix = prefix
  }

  /// The reporter of run `index` of a sweep whose runs go side by side: plain lines (no bar
  /// redrawn in place, which two runs would overwrite), each starting with `[run i/n]`.
  func forRun(_ index: Int, of total: Int) -> ProgressReporter {
    ProgressReporter(quiet: quiet, interactive: false, plainInterval: plainInterval, prefix: "[run \(index + 1)/\(total)] ")
  }

  func handle(_ event: ContinualSession.Event) {
    guard !quiet else { return }
    switch event {
    case .phaseStarted(let stage, let phase, let steps):
      phaseSteps = steps
      phaseName = "stage \(stage) \(phase.rawValue)"
      phaseIsBackbone = phase == .backbone
      phaseStart = Date()
      lastDraw = Date()
      if !interactive { line("\(phaseName): \(steps) steps") }
    case .backboneLoaded(let path):
      line("backbone: loaded from cache \(path)")
    case .backboneEpoch(let epoch, let ce, let best):
      if interactive { write("\r\u{1B}[2K") }
      line(String(format: "backbone epoch %d: block-0 validation CE %.4f", epoch, ce)
        + (best == epoch ? " (best so far)" : " (best: epoch \(best))"))
    case .step(let r):
      let now = Date()
      let elapsed = now.timeIntervalSince(phaseStart)
      if r.step == r.totalSteps && !phaseIsBackbone {
        // The session evaluates next and reports nothing until the stage is finished.
        if interactive { write("\r\u{1B}[2K") }
        line("\(phaseName): \(r.totalSteps) steps in \(Self.duration(elapsed)); evaluating blocks 0…\(r.stage)")
        return
      }
      if interactive {
        guard now.timeIntervalSince(lastDraw) > 0.1 || r.step == r.totalSteps else { return }
        lastDraw = now
        let text = Self.bar(name: phaseName, step: r.step, total: r.totalSteps, elapsed: elapsed)
          + String(format: "  ce %.3f  pen %.4f  λ %g", r.ce, r.penalty, r.lambda)
        write("\r\u{1B}[2K" + text)
      } else {
        guard now.timeIntervalSince(lastDraw) >= plainInterval, r.step < r.totalSteps else { return }
        lastDraw = now
        line(Self.plain(name: phaseName, step: r.step, total: r.totalSteps, elapsed: elapsed)
          + String(format: ", ce %.3f", r.ce))
      }
    case .stageFinished(let s):
      if interactive { write("\r\u{1B}[2K") }
      if let entry = s.reusedFrom {
        line(String(format: "stage %d reused: NDCG@5 %.4f  Hit@5 %.4f  valid CE %.4f", s.stage, s.own.ndcg5, s.own.hit5, s.validationCE)
          + "  (from the cache, \(entry): the same for every method and λ of this seed)")
      } else {
        line(String(format: "stage %d done: NDCG@5 %.4f  Hit@5 %.4f  valid CE %.4f  (train %.1fs, eval %.1fs)",
                    s.stage, s.own.ndcg5, s.own.hit5, s.validationCE, s.trainSeconds, s.evaluationSeconds))
      }
      if s.stage == 0, s.learnedLittle, let baseline = s.baselineCE {
        line(String(format: "caution: the backbone learned little on block 0: validation CE %.3f against %.3f for a model "
          + "that knows only the codes' frequencies (Docs/Math.md §43); pretrain longer with --backbone-epochs "
          + "(the best-epoch rule keeps a longer budget from overfitting, Docs/Design.md §2)", s.validationCE, baseline))
      }
    case .finished:
      break
    }
  }

  /// A line before run `index` (0-based) of `total` of a sweep or study: what starts, the runs
  /// done (`done`, the runs before it unless given), the time spent and the ETA at the mean time
  /// per finished run.
  func job(_ index: Int, of total: Int, _ what: String, done: Int? = nil) {
    jobLock.lock()
    defer { jobLock.unlock() }
    let start = jobsStart ?? Date()
    jobsStart = start
    line("run \(index + 1)/\(total): \(what)" + Self.jobTiming(done: done ?? index, total: total, elapsed: Date().timeIntervalSince(start)))
  }

  static func jobTiming(done: Int, total: Int, elapsed: TimeInterval) -> String {
    guard done > 0 else { return "" }
    let eta = elapsed / Double(done) * Double(total - done)
    return "  (\(done) done in \(duration(elapsed)), ETA \(duration(eta)))"
  }

  /// `name ████░░░░ step/total  rate steps/s  ETA 1m05s` (the terminal form).
  static func bar(name: String, step: Int, total: Int, elapsed: TimeInterval, width: Int = 24) -> String {
    let fraction = min(max(Double(step) / Double(max(total, 1)), 0), 1)
    let filled = Int(Double(width) * fraction)
    let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    return "\(name) \(bar) \(step)/\(total)  " + rateAndETA(step: step, total: total, elapsed: elapsed)
  }

  /// `name: step/total steps (p %), rate steps/s, ETA 1m05s` (the plain form).
  static func plain(name: String, step: Int, total: Int, elapsed: TimeInterval) -> String {
    let percent = Int((100 * Double(step) / Double(max(total, 1))).rounded(.down))
    return "\(name): \(step)/\(total) steps (\(percent) %), " + rateAndETA(step: step, total: total, elapsed: elapsed)
  }

  static func rateAndETA(step: Int, total: Int, elapsed: TimeInterval) -> String {
    guard step > 0, elapsed > 0 else { return "-- steps/s  ETA --" }
    let rate = Double(step) / elapsed
    return String(format: "%.1f steps/s  ETA ", rate) + duration(Double(max(total - step, 0)) / rate)
  }

  /// 42s, 3m05s, 2h07m.
  static func duration(_ seconds: TimeInterval) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--" }
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s)s" }
    if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
  }

  func line(_ s: String) {
    guard !quiet else { return }
    write(prefix + s + "\n")
  }

  private func write(_ s: String) { StandardStreams.writeError(s) }
}
