import Foundation
import LorascopeEngine

/// A progress line on stderr for long work (Docs/Design.md §8): redrawn in place on a terminal,
/// one line per phase and stage otherwise (logs stay readable).
final class ProgressReporter {
  private let interactive = isatty(2) != 0
  private var phaseSteps = 0
  private var phaseName = ""
  private var lastDraw = Date.distantPast
  private var phaseStart = Date()
  private let quiet: Bool

  init(quiet: Bool = false) { self.quiet = quiet }

  func handle(_ event: ContinualSession.Event) {
    guard !quiet else { return }
    switch event {
    case .phaseStarted(let stage, let phase, let steps):
      phaseSteps = steps
      phaseName = "stage \(stage) \(phase.rawValue)"
      phaseStart = Date()
      if !interactive { line("\(phaseName): \(steps) steps") }
    case .backboneLoaded(let path):
      line("backbone: loaded from cache \(path)")
    case .step(let r):
      guard interactive, Date().timeIntervalSince(lastDraw) > 0.1 || r.step == r.totalSteps else { return }
      lastDraw = Date()
      let width = 24
      let filled = Int(Double(width) * Double(r.step) / Double(max(r.totalSteps, 1)))
      let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
      let rate = Double(r.step) / max(Date().timeIntervalSince(phaseStart), 1e-9)
      let text = String(format: "%@ %@ %d/%d  ce %.3f  pen %.4f  λ %.2f  %.1f steps/s",
                        phaseName, bar, r.step, r.totalSteps, r.ce, r.penalty, r.lambda, rate)
      FileHandle.standardError.write(("\r\u{1B}[2K" + text).data(using: .utf8)!)
    case .stageFinished(let s):
      if interactive { FileHandle.standardError.write("\r\u{1B}[2K".data(using: .utf8)!) }
      line(String(format: "stage %d done: NDCG@5 %.4f  Hit@5 %.4f  valid CE %.4f  (train %.1fs, eval %.1fs)",
                  s.stage, s.own.ndcg5, s.own.hit5, s.validationCE, s.trainSeconds, s.evaluationSeconds))
    case .finished:
      break
    }
  }

  func line(_ s: String) {
    guard !quiet else { return }
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
  }
}
