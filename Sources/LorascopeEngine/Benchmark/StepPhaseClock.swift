import Dispatch
import Synchronization

/// Wall time a training step spends in its linear-layer GEMMs and in attention, for `bench`'s
/// per-phase breakdown (issue 10: GEMM time against the rest). Off unless a benchmark turns it
/// on; when off each instrumented call pays one load of a flag.
///
/// Times are taken on the calling thread around each whole call (the call itself may split its
/// work over the cores), so phases add up to at most the step's wall time.
enum StepPhaseClock {
  /// Set only by benchmarks, between steps (never while a step runs).
  nonisolated(unsafe) public static var isRunning = false
  static let linearNanoseconds = Atomic<UInt64>(0)
  static let attentionNanoseconds = Atomic<UInt64>(0)
  static let adapterNanoseconds = Atomic<UInt64>(0)
  static let splitRegions = Atomic<Int>(0)
  /// Set while an `adapter` phase runs on the calling thread, so its GEMMs are not counted twice.
  nonisolated(unsafe) static var insideAdapter = false

  /// Seconds in the backbone linear layers' and lm_head's GEMMs since `reset`.
  public static var linearSeconds: Double { Double(linearNanoseconds.load(ordering: .relaxed)) / 1e9 }
  /// Seconds in causal attention (its per-head GEMMs and softmax) since `reset`.
  public static var attentionSeconds: Double { Double(attentionNanoseconds.load(ordering: .relaxed)) / 1e9 }

  /// Seconds in the adapter factors' GEMMs (A·x, the fold W + s·B·A, and the LoRA backward) since `reset`.
  public static var adapterSeconds: Double { Double(adapterNanoseconds.load(ordering: .relaxed)) / 1e9 }

  /// Parallel regions opened since `reset`: `Parallel.forIndexedChunks` calls that split their
  /// work into more than one chunk (each one a hand-over between the cores, `CorePool`).
  public static var regions: Int { splitRegions.load(ordering: .relaxed) }

  public static func reset() {
    splitRegions.store(0, ordering: .relaxed)
    linearNanoseconds.store(0, ordering: .relaxed)
    attentionNanoseconds.store(0, ordering: .relaxed)
    adapterNanoseconds.store(0, ordering: .relaxed)
  }

  @inline(__always)
  static func countRegion() {
    if isRunning { splitRegions.add(1, ordering: .relaxed) }
  }

  @inline(__always)
  static func linear(_ body: () -> Void) {
    guard isRunning && !insideAdapter else { return body() }
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    linearNanoseconds.add(DispatchTime.now().uptimeNanoseconds - start, ordering: .relaxed)
  }

  /// Times the adapter's GEMMs; the `linear` calls inside, and an `adapter` call nested in this
  /// one, are counted here only.
  @inline(__always)
  static func adapter(_ body: () -> Void) {
    guard isRunning && !insideAdapter else { return body() }
    let start = DispatchTime.now().uptimeNanoseconds
    insideAdapter = true
    body()
    insideAdapter = false
    adapterNanoseconds.add(DispatchTime.now().uptimeNanoseconds - start, ordering: .relaxed)
  }

  /// The two phases a region can mix (`linearAndAdapter`).
  enum Part { case linear, adapter }
  static let regionLinearNanoseconds = Atomic<UInt64>(0)
  static let regionAdapterNanoseconds = Atomic<UInt64>(0)

  /// Times one region whose chunks each run a backbone GEMM and adapter GEMMs (each piece inside
  /// `part`): the region's wall time is shared out between the linear and adapter phases in
  /// proportion to the core time their pieces took.
  @inline(__always)
  static func linearAndAdapter(_ body: () -> Void) {
    guard isRunning else { return body() }
    regionLinearNanoseconds.store(0, ordering: .relaxed)
    regionAdapterNanoseconds.store(0, ordering: .relaxed)
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    let wall = DispatchTime.now().uptimeNanoseconds - start
    let linear = regionLinearNanoseconds.load(ordering: .relaxed)
    let adapter = regionAdapterNanoseconds.load(ordering: .relaxed)
    let linearShare = linear + adapter == 0 ? wall : UInt64(Double(wall) * Double(linear) / Double(linear + adapter))
    linearNanoseconds.add(linearShare, ordering: .relaxed)
    adapterNanoseconds.add(wall - linearShare, ordering: .relaxed)
  }

  /// One piece of a `linearAndAdapter` region, timed on whichever core runs it.
  @inline(__always)
  static func part(_ part: Part, _ body: () -> Void) {
    guard isRunning else { return body() }
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    let elapsed = DispatchTime.now().uptimeNanoseconds - start
    if part == .linear {
      regionLinearNanoseconds.add(elapsed, ordering: .relaxed)
    } else {
      regionAdapterNanoseconds.add(elapsed, ordering: .relaxed)
    }
  }

  @inline(__always)
  static func attention(_ body: () -> Void) {
    guard isRunning else { return body() }
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    attentionNanoseconds.add(DispatchTime.now().uptimeNanoseconds - start, ordering: .relaxed)
  }
}
