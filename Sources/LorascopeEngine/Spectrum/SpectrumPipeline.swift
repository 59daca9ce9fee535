/// What the spectrum of one stage t ≥ 1 needs from a run (Docs/Design.md §3): a model holding
/// the adapter at which Σ is measured, the anchor v_{t−1} where H is taken, the method's metric
/// there (the PESO metric for methods without one) and its penalty, and a seeded probe of
/// block t. `ContinualSession.spectrumSource(stage:probeSize:seed:)` makes one from a saved
/// run; the screen makes one from the live run (`init`).
///
/// The model is a private copy: the spectrum uses its activation buffers, so it must never be
/// the model being trained, and one thread at a time uses it.
public struct SpectrumSource: Sendable {
  public let stage: Int
  public let model: LlamaModel
  public let layout: LoRALayout
  public let anchor: FloatBuffer
  /// The method's metric at the anchor (`ContinualMethodDefinition.anchoredTerms`).
  let anchorMetric: any AnchorMetric
  /// The method's penalty anchored at v_{t−1} (for `penaltyInertness`).
  let penalty: any AdapterPenalty
  public let probe: [TrainingPair]
  /// The seed of the sampled-label Fisher.
  public let seed: UInt64

  /// A source whose metric and penalty are the proximal penalty of `metricKind` (exact).
  public init(
    stage: Int, model: LlamaModel, anchor: FloatBuffer, metricKind: ProximalPenalty.Kind, fisherDiagonal: [Float]?,
    probe: [TrainingPair], seed: UInt64
  ) throws {
    guard let layout = model.loraLayout else { throw LorascopeError.usage("the spectrum needs a model with an adapter") }
    guard anchor.count == layout.count else {
      throw LorascopeError.invalidConfiguration("spectrum: the anchor has \(anchor.count) entries, the adapter \(layout.count)")
    }
    if metricKind == .diagonalFisher && fisherDiagonal?.count != layout.count {
      throw LorascopeError.usage("EWC's metric needs the Fisher diagonal of every adapter entry")
    }
    let penalty = ProximalPenalty(kind: metricKind, layout: layout, anchor: anchor, fisher: fisherDiagonal)
    try self.init(stage: stage, model: model, anchor: anchor, metric: penalty, penalty: penalty, probe: probe, seed: seed)
  }

  /// A source with a method's metric and penalty, both anchored at `anchor`.
  public init(
    stage: Int, model: LlamaModel, anchor: FloatBuffer, metric: any AnchorMetric, penalty: any AdapterPenalty,
    probe: [TrainingPair], seed: UInt64
  ) throws {
    guard let layout = model.loraLayout else { throw LorascopeError.usage("the spectrum needs a model with an adapter") }
    guard anchor.count == layout.count, metric.anchor.count == layout.count else {
      throw LorascopeError.invalidConfiguration("spectrum: the anchor has \(anchor.count) entries, the adapter \(layout.count)")
    }
    self.stage = stage
    self.model = model
    self.layout = layout
    self.anchor = anchor
    self.anchorMetric = metric
    self.penalty = penalty
    self.probe = probe
    self.seed = seed
  }

  /// The metric's name in reports (`softmaxKL`, `l2`, `diagonalFisher`, …).
  var metricName: String { anchorMetric.metricName }

  /// The metric H_{t−1} over the modules of `selection` at the anchor.
  public func metric(for selection: SpectrumAnalysis.Selection) throws -> JointProximalMetric {
    try anchorMetric.metric(over: selection.modules(in: layout)).0
  }
}

/// The one path from a run's stage to its spectrum (Docs/Design.md §3): probe gradients G
/// (Σ estimator of the caller's choice), the metric H_ε at the anchor, the eigen-solve, and
/// the shift / zero-cluster split. `spectrum`, `verify`, `study` and the screen's spectrum
/// worker all go through it, so they cannot wire the steps differently.
///
///     ContinualSession.spectrumSource ─┐
///     (or the live run's copy)         ├─▶ gradients ─▶ analyze (metric, solve, split) ─▶ SpectrumAnalysis
///                         selection ───┘                                                  │
///                                               ProximalStrength ─▶ weights, TheoryCheck ◀┘
public enum SpectrumPipeline {
  /// At most this many sequences feed the exact Gauss–Newton matrix when the caller gives no
  /// limit: it costs one backward per target token and class (this count is its only limit; no
  /// memory cap applies).
  public static let defaultGaussNewtonSequences = 8

  /// Per-example gradients of `source`'s probe. The exact GGN is built for the selection's
  /// modules only (and on at most `gaussNewtonSequences` sequences); the Fisher estimates
  /// cover the whole adapter, so one G serves every selection.
  public static func gradients(
    source: SpectrumSource, fisher: FisherKind, selection: SpectrumAnalysis.Selection,
    gaussNewtonSequences: Int? = nil
  ) throws -> ProbeGradients {
    var probe = source.probe
    var modules: [LoRAModule]? = nil
    if fisher == .ggn {
      if selection == .joint {
        throw LorascopeError.usage("the exact Gauss–Newton matrix is computed per module: choose one (not the joint view)")
      }
      modules = selection.modules(in: source.layout)
      if let cap = gaussNewtonSequences { probe = Array(probe.prefix(max(cap, 1))) }
    }
    return try ProbeGradients.compute(
      model: source.model, sequences: probe, fisher: fisher, seed: source.seed, modules: modules)
  }

  /// Whether `gradients` can serve `selection` (the GGN's columns cover one selection only).
  public static func gradients(_ gradients: ProbeGradients, serve selection: SpectrumAnalysis.Selection, in layout: LoRALayout) -> Bool {
    guard let subset = gradients.moduleSubset else { return true }
    return subset == selection.modules(in: layout)
  }

  /// The metric, the solve and the split on gradients already measured.
  public static func analyze(
    source: SpectrumSource, gradients: ProbeGradients, selection: SpectrumAnalysis.Selection,
    epsRelative: Double = ProximalMetric.defaultEpsRelative, dense: Bool = false, directions: Int = 8
  ) throws -> SpectrumAnalysis {
    guard Self.gradients(gradients, serve: selection, in: source.layout) else {
      throw LorascopeError.usage("these gradients were measured for other modules; measure them for this selection")
    }
    return try SpectrumAnalysis.solve(
      gradients: gradients, layout: source.layout, metric: source.anchorMetric, selection: selection,
      epsRelative: epsRelative, dense: dense,
      directions: directions)
  }

  /// Gradients, then `analyze`.
  public static func run(
    source: SpectrumSource, selection: SpectrumAnalysis.Selection, fisher: FisherKind,
    epsRelative: Double = ProximalMetric.defaultEpsRelative, dense: Bool = false, directions: Int = 8,
    gaussNewtonSequences: Int? = nil
  ) throws -> SpectrumAnalysis {
    let g = try gradients(source: source, fisher: fisher, selection: selection, gaussNewtonSequences: gaussNewtonSequences)
    return try analyze(
      source: source, gradients: g, selection: selection, epsRelative: epsRelative, dense: dense, directions: directions)
  }
}
