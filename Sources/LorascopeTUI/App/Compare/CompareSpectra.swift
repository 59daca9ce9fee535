import Dispatch
import Foundation
import LorascopeEngine

/// The spectra of the compare screen (issue 28 item 2: "the spectra of the same stage with each
/// run's λ marked"), computed on demand off the screen's thread — one stage of every run in turn,
/// through what the caller provides (`lorascope spectrum`'s path: the run's session, the stage's
/// probe, the joint empirical-Fisher spectrum) — and kept for the next visit.
final class CompareSpectra: @unchecked Sendable {
  /// One run's spectrum of a stage and the strength its stage ended with.
  struct Entry: Sendable {
    let spectrum: GeneralizedSpectrum
    let strength: ProximalStrength
  }

  enum State: Sendable {
    case computing
    case done([Result<Entry, Error>])
  }

  typealias Provider = @Sendable (_ run: Int, _ stage: Int) throws -> Entry

  private let provider: Provider
  private let runs: Int
  private let lock = NSLock()
  private var states: [Int: State] = [:]
  private let queue = DispatchQueue(label: "lorascope.compare.spectra")

  init(runs: Int, provider: @escaping Provider) {
    self.runs = runs
    self.provider = provider
  }

  /// The stage's spectra, nil when never asked for.
  func state(stage: Int) -> State? {
    lock.lock()
    defer { lock.unlock() }
    return states[stage]
  }

  /// Starts computing the stage's spectra unless they are known or on their way.
  func request(stage: Int) {
    lock.lock()
    guard states[stage] == nil else {
      lock.unlock()
      return
    }
    states[stage] = .computing
    lock.unlock()
    queue.async { [self] in
      let results = (0..<runs).map { run in Result { try provider(run, stage) } }
      lock.lock()
      states[stage] = .done(results)
      lock.unlock()
    }
  }

  /// True while a stage is being computed (the screen then polls to redraw).
  var isBusy: Bool {
    lock.lock()
    defer { lock.unlock() }
    return states.values.contains { if case .computing = $0 { return true } else { return false } }
  }
}
