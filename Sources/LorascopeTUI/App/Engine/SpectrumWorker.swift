import Dispatch
import Foundation
import LorascopeEngine
import Synchronization

/// What the spectrum of a stage needs from the run at one moment (DESIGN.md §3):
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
  let probe: [(inputs: [Int32], targets: [Int32])]
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
  static let ggnMemoryBudget = 512 << 20

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
    if let cached = cache, cached.sourceID == source.id, cached.fisher == job.fisher {
      gradients = cached.gradients
    } else {
      let probe = try probeSequences(for: job, parameters: layout.count)
      store.update {
        $0.spectrum.status = .computing(
          "measuring Σ (\(SpectrumWorker.shortName(job.fisher)), \(probe.count) sequences of block \(source.stage))…")
      }
      gradients = try ProbeGradients.compute(
        model: source.model, sequences: probe, fisher: job.fisher, seed: source.seed)
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

  /// The probe for a job: all of it for the Fisher estimates; for the exact
  /// Gauss–Newton matrix as many sequences (at most 8) as fit the memory
  /// budget, since it stores one gradient row per target token and class.
  private func probeSequences(for job: SpectrumJob, parameters: Int) throws
    -> [(inputs: [Int32], targets: [Int32])]
  {
    let probe = job.source.probe
    guard job.fisher == .ggn else { return probe }
    let vocab = job.source.model.config.vocabSize
    var bytes = 0
    var count = 0
    for sequence in probe.prefix(SpectrumWorker.ggnMaxSequences) {
      let rows = sequence.targets.filter { $0 >= 0 }.count * vocab
      let extra = rows * parameters * MemoryLayout<Double>.size
      guard bytes + extra <= SpectrumWorker.ggnMemoryBudget else { break }
      bytes += extra
      count += 1
    }
    guard !probe.isEmpty else { throw LorascopeError.usage("the probe set is empty") }
    guard count > 0 else { throw SpectrumWorker.ggnTooLarge(probe: probe, vocab: vocab, parameters: parameters) }
    return Array(probe.prefix(count))
  }

  /// The Σ estimator in a few words.
  static func shortName(_ kind: FisherKind) -> String {
    switch kind {
    case .empirical: return "empirical Fisher"
    case .sampled: return "sampled Fisher"
    case .ggn: return "exact Gauss–Newton"
    }
  }

  private static func ggnTooLarge(
    probe: [(inputs: [Int32], targets: [Int32])], vocab: Int, parameters: Int
  ) -> LorascopeError {
    let rows = (probe.first?.targets.filter { $0 >= 0 }.count ?? 0) * vocab
    let gigabytes = Double(rows * parameters * MemoryLayout<Double>.size) / Double(1 << 30)
    return .usage(
      "exact Gauss–Newton needs \(NumberFormat.fixed(gigabytes, decimals: 1)) GB for one probe sequence here "
        + "(\(rows) rows × \(parameters) parameters); press f for a Fisher estimate")
  }
}
