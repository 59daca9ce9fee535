import Dispatch
import Foundation
import LorascopeEngine
import Synchronization

/// What the spectrum of a stage needs from the run at one moment (Docs/Design.md §3):
/// a private copy of the model (never the one being trained: the spectrum
/// uses the model's activation buffers), the anchor v_{t−1}, the method's
/// metric and a seeded probe of block t.
struct SpectrumSource: Sendable {
  /// Distinguishes copies, so the worker knows when its cached gradients still apply.
  let id: Int
  /// Taken on the engine thread between two steps; only the worker touches it after.
  let model: LlamaModel
  let anchor: FloatBuffer
  let metricKind: ProximalPenalty.Kind
  let fisherDiagonal: [Float]?
  let probe: [TrainingPair]
  let stage: Int
  let step: Int
  let seed: UInt64
}

/// One request to the worker: a source and which spectrum of it.
struct SpectrumJob: Sendable {
  let source: SpectrumSource
  let selection: SpectrumAnalysis.Selection
  let fisher: FisherKind
}

/// Computes spectra on its own thread so neither the UI nor training waits
/// for them, and publishes them into the snapshot.
///
/// Only the newest job matters (scrolling through modules queues many): a new
/// `submit` replaces a job not yet started. The per-example gradients G are
/// kept between jobs on the same source and Σ estimator, so a new module or
/// the joint view costs only an eigen-solve (`SpectrumAnalysis.solve`).
final class SpectrumWorker: Sendable {
  /// Probe sequences for the empirical and sampled Fisher (the CLI's default).
  static let probeSize = 128
  /// At most this many sequences for the exact Gauss–Newton matrix, and at most
  /// this much memory for its gradients (one row per target token and class).
  static let ggnMaxSequences = 8

  private let store: SnapshotStore
  private let pending = Mutex<SpectrumJob?>(nil)
  private let wakeUp = DispatchSemaphore(value: 0)
  private let stopping = Atomic<Bool>(false)
  private let stopped = DispatchSemaphore(value: 0)

  init(store: SnapshotStore) {
    self.store = store
  }

  func start() {
    let thread = Thread { [self] in
      TerminalGuard.blockTerminalSignalsInCurrentThread()
      loop()
      stopped.signal()
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
    return stopped.wait(timeout: .now() + seconds) == .success
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
    while !stopping.load(ordering: .acquiring) {
      wakeUp.wait()
      guard let job = takeJob() else { continue }
      do {
        try process(job, cache: &cache)
      } catch {
        let message = (error as? LorascopeError)?.description ?? "\(error)"
        store.update { $0.spectrum.status = .failed(message) }
      }
    }
  }

  private func process(
    _ job: SpectrumJob, cache: inout (sourceID: Int, fisher: FisherKind, gradients: ProbeGradients)?
  ) throws {
    let source = job.source
    guard let layout = source.model.loraLayout else {
      store.update { $0.spectrum.status = .unavailable("the model has no adapter yet") }
      return
    }
    let started = DispatchTime.now().uptimeNanoseconds
    let gradients: ProbeGradients
    // The exact GGN is computed for the selected modules only, so its cache is per selection.
    let ggnModules: [LoRAModule]? = job.fisher == .ggn ? job.selection.modules(in: layout) : nil
    if let cached = cache, cached.sourceID == source.id, cached.fisher == job.fisher,
      cached.gradients.moduleSubset == ggnModules
    {
      gradients = cached.gradients
    } else {
      let probe = try probeSequences(for: job, parameters: layout.count)
      store.update {
        $0.spectrum.status = .computing(
          "measuring Σ (\(job.fisher.name), \(probe.count) sequences of block \(source.stage))…")
      }
      gradients = try ProbeGradients.compute(
        model: source.model, sequences: probe, fisher: job.fisher, seed: source.seed, modules: ggnModules)
      cache = (source.id, job.fisher, gradients)
      // A newer request arrived meanwhile: it will reuse these gradients.
      if pending.withLock({ $0 != nil }) { return }
    }
    let analysis = try SpectrumAnalysis.solve(
      gradients: gradients, layout: layout, anchor: source.anchor, metricKind: source.metricKind,
      fisherDiagonal: source.fisherDiagonal, selection: job.selection, directions: 0)
    let spectrum = analysis.spectrum
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    let summary = SpectrumSummary(
      label: analysis.label, fisher: analysis.fisher, metricKind: analysis.metricKind, rho: spectrum.nonZeroRho,
      shiftRho: spectrum.shiftRho, gaugeCount: spectrum.gaugeCount, eps: spectrum.eps,
      unresolvedShift: spectrum.unresolvedShift, probeExamples: analysis.probeExamples, stage: source.stage,
      step: source.step, seconds: seconds)
    store.update {
      $0.spectrum.status = .ready
      $0.spectrum.result = summary
    }
  }

  /// The probe for a job: all of it for the Fisher estimates; at most 8 sequences for the
  /// exact Gauss–Newton matrix, which costs one backward per target token and class.
  private func probeSequences(for job: SpectrumJob, parameters: Int) throws
    -> [TrainingPair]
  {
    let probe = job.source.probe
    guard !probe.isEmpty else { throw LorascopeError.usage("the probe set is empty") }
    return job.fisher == .ggn ? Array(probe.prefix(SpectrumWorker.ggnMaxSequences)) : probe
  }
}
