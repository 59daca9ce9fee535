import Dispatch
import Foundation
import LorascopeEngine
import Synchronization

/// Runs a `ContinualSession` on its own thread for the screen (Docs/Design.md §7:
/// "training runs on its own thread; the screen stays responsive").
///
/// The UI thread sends `EngineCommand`s (queued, applied between steps) and
/// polls `snapshotVersion`; a third thread computes spectra on copies of the
/// model. The UI never waits for training: `send` and `snapshot` only take
/// short locks. Engine errors (a NaN loss, a failed write) are published in
/// the snapshot and pause the run instead of ending the process.
public final class EngineController: DashboardEngine, Sendable {
  private let store: SnapshotStore
  private let inbox = CommandInbox()
  private let worker: SpectrumWorker
  /// The loop, until `start` hands it to the engine thread.
  private let pendingLoop: Mutex<EngineLoop?>
  private let stopped = CompletionLatch()
  private let started = Atomic<Bool>(false)

  /// Takes over `session`: after `start()` only the engine thread uses it.
  /// `startRunning` false opens the screen paused.
  public init(session: ContinualSession, startRunning: Bool = true) {
    let summary = EngineController.summary(of: session)
    var initial = DashboardSnapshot(run: summary, strength: session.strength)
    initial.stage = session.stage
    initial.stages = session.metrics.stages
    initial.matrix = session.metrics.matrix(.ndcg5).values
    initial.lambdaHistory = session.metrics.lambdaHistory
    initial.readOnly = session.runDirectory?.isReadOnly ?? false
    initial.activity = session.isFinished || initial.readOnly ? .finished : (startRunning ? .running : .paused)
    let store = SnapshotStore(initial)
    let worker = SpectrumWorker(store: store)
    self.store = store
    self.worker = worker
    pendingLoop = Mutex(
      EngineLoop(session: session, store: store, inbox: inbox, spectrum: worker, startRunning: startRunning))
  }

  /// Starts the engine and spectrum threads (once).
  public func start() {
    guard !started.exchange(true, ordering: .acquiringAndReleasing),
      let loop = pendingLoop.withLock({ box in
        defer { box = nil }
        return box
      })
    else { return }
    worker.start()
    let thread = Thread { [stopped] in
      loop.run()
      stopped.markFinished()
    }
    thread.name = "lorascope-engine"
    thread.start()
  }

  public func send(_ command: EngineCommand) {
    inbox.send(command)
  }

  public var snapshotVersion: UInt64 { store.version }

  public func snapshot() -> DashboardSnapshot { store.read() }

  /// Asks both threads to finish (the engine completes its current step and
  /// writes the log) and waits up to `seconds`; `false` when they did not
  /// finish in time (then the process may exit anyway: everything up to the
  /// last finished stage is on disk).
  @discardableResult
  public func stop(waitingUpTo seconds: Double) -> Bool {
    inbox.send(.quit)
    guard started.load(ordering: .acquiring) else { return true }
    let deadline = Date().addingTimeInterval(seconds)
    let engineDone = stopped.wait(upTo: seconds)
    // A spectrum in progress cannot be cut short (nothing of it needs saving): it gets what is
    // left of the caller's time, at least 0.2 s, so a loaded machine does not read as a hang.
    let workerDone = worker.stop(waitingUpTo: max(0.2, deadline.timeIntervalSinceNow))
    return engineDone && workerDone
  }

  /// The run's fixed facts for the header and the module grid.
  static func summary(of session: ContinualSession) -> RunSummary {
    let config = session.config
    let layout = LoRALayout(config: config.model, lora: config.lora)
    let modules = layout.modules.map {
      ModuleInfo(name: $0.name, shortName: $0.shortName, layer: $0.layer, kind: $0.kind.shortName, isA: $0.factor == .a)
    }
    let alpha = NumberFormat.compact(Double(config.lora.alpha))
    let model =
      "\(config.model.numLayers) layers · d \(config.model.hiddenSize) · vocab \(config.model.vocabSize)"
      + " · LoRA r \(config.lora.rank) α \(alpha)" + (config.trainEmbeddings ? " + embeddings" : "")
    return RunSummary(
      dataName: session.dataset.name, blocks: session.dataset.numBlocks, method: config.method,
      adaptedLinears: layout.adaptedLinearCount, modules: modules, kernel: BLAS.kernelName, modelText: model,
      runDirectory: session.runDirectory?.url.path, dataReport: session.dataset.statistics().render())
  }
}
