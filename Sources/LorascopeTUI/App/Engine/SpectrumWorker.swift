import Dispatch
import Foundation
import LorascopeEngine
import Synchronization

/// The live run at one moment, as the engine's `SpectrumSource` (Docs/Design.md §3) plus
/// what the screen needs to know about it. The source's model is a private copy taken on
/// the engine thread between two steps; only the worker touches it after.
struct LiveSpectrumSource: Sendable {
  /// Distinguishes copies, so the worker knows when its cached gradients still apply.
  let id: Int
  let source: SpectrumSource
  /// The optimizer step the copy was taken after.
  let step: Int
}

/// One request to the worker: a source and which spectrum of it.
struct SpectrumJob: Sendable {
  let source: LiveSpectrumSource
  let selection: SpectrumAnalysis.Selection
  let fisher: FisherKind
}

/// Computes spectra on its own thread so neither the UI nor training waits
/// for them, and publishes them into the snapshot.
///
/// Only the newest job matters (scrolling through modules queues many): a new
/// `submit` replaces a job not yet started. The per-example gradients G are
/// kept between jobs on the same source and Σ estimator, so a new module or
/// the joint view costs only an eigen-solve. Both steps are the engine's one
/// spectrum path, `SpectrumPipeline`.
final class SpectrumWorker: Sendable {
  /// Probe sequences for the empirical and sampled Fisher (the CLI's default).
  static let probeSize = 128

  private let store: SnapshotStore
  private let pending = Mutex<SpectrumJob?>(nil)
  private let wakeUp = DispatchSemaphore(value: 0)
  private let stopping = Atomic<Bool>(false)
  private let stopped = CompletionLatch()

  init(store: SnapshotStore) {
    self.store = store
  }

  func start() {
    let thread = Thread { [self] in
      TerminalGuard.blockTerminalSignalsInCurrentThread()
      loop()
      stopped.markFinished()
    }
    thread.name = "lorascope-spectrum"
    thread.start()
  }

  /// Replaces any job not yet started by `job`.
  func submit(_ job: SpectrumJob) {
    pending.withLock { $0 = job }
    wakeUp.signal()
  }

  /// Asks the thread to stop after its current job; waits up to `seconds`.
  @discardableResult
  func stop(waitingUpTo seconds: Double) -> Bool {
    stopping.store(true, ordering: .releasing)
    wakeUp.signal()
    return stopped.wait(upTo: seconds)
  }

  private func takeJob() -> SpectrumJob? {
    pending.withLock { job in
      defer { job = nil }
      return job
    }
  }

  private func loop() {
    // Worker-thread state: the gradients of the last source and estimator.
    var cache: (sourceID: Int, fisher: FisherKind, gradients: ProbeGradients)?
    // The joint view's guidance per source and estimator (from the last joint job).
    var joint: (sourceID: Int, fisher: FisherKind, guidance: LambdaGuidance?)?
    while !stopping.load(ordering: .acquiring) {
      wakeUp.wait()
      guard let job = takeJob() else { continue }
      do {
        try process(job, cache: &cache, joint: &joint)
      } catch {
        let message = (error as? LorascopeError)?.description ?? "\(error)"
        store.update { $0.spectrum.status = .failed(message) }
      }
    }
  }

  private func process(
    _ job: SpectrumJob, cache: inout (sourceID: Int, fisher: FisherKind, gradients: ProbeGradients)?,
    joint: inout (sourceID: Int, fisher: FisherKind, guidance: LambdaGuidance?)?
  ) throws {
    let live = job.source
    let source = live.source
    let started = DispatchTime.now().uptimeNanoseconds
    let gradients: ProbeGradients
    // The exact GGN is computed for the selected modules only, so its cache is per selection.
    if let cached = cache, cached.sourceID == live.id, cached.fisher == job.fisher,
      SpectrumPipeline.gradients(cached.gradients, serve: job.selection, in: source.layout)
    {
      gradients = cached.gradients
    } else {
      guard !source.probe.isEmpty else { throw LorascopeError.usage("the probe set is empty") }
      let sequences = job.fisher == .ggn
        ? min(source.probe.count, SpectrumPipeline.defaultGaussNewtonSequences) : source.probe.count
      store.update {
        $0.spectrum.status = .computing(
          "measuring Σ (\(job.fisher.name), \(sequences) sequences of block \(source.stage))…")
      }
      gradients = try SpectrumPipeline.gradients(
        source: source, fisher: job.fisher, selection: job.selection,
        gaussNewtonSequences: SpectrumPipeline.defaultGaussNewtonSequences)
      cache = (live.id, job.fisher, gradients)
      // A newer request arrived meanwhile: it will reuse these gradients.
      if pending.withLock({ $0 != nil }) { return }
    }
    let analysis = try SpectrumPipeline.analyze(
      source: source, gradients: gradients, selection: job.selection, directions: 0)
    let spectrum = analysis.spectrum
    // The joint λ(w*) shown next to a module's: kept from the last joint view of the same
    // gradients (J once), so a module costs no extra joint solve.
    if job.selection == .joint {
      joint = (live.id, job.fisher, LambdaGuidance(spectrum: spectrum, adaptedLinears: source.layout.adaptedLinearCount))
    }
    let jointGuidance = joint.flatMap { $0.sourceID == live.id && $0.fisher == job.fisher ? $0.guidance : nil }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    let summary = SpectrumSummary(
      label: analysis.label, fisher: analysis.fisher, metricKind: analysis.metricKind, rho: spectrum.nonZeroRho,
      shiftRho: spectrum.shiftRho, gaugeCount: spectrum.gaugeCount, eps: spectrum.eps,
      unresolvedShift: spectrum.unresolvedShift, probeExamples: analysis.probeExamples, stage: source.stage,
      step: live.step, seconds: seconds, jointGuidance: jointGuidance)
    store.update {
      $0.spectrum.status = .ready
      $0.spectrum.result = summary
    }
  }
}
