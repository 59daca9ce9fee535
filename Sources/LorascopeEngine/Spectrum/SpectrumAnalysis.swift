/// The spectrum of one module or of all modules jointly (Docs/Design.md §3): per-example gradients on
/// a probe set of block t at the current adapter, the proximal metric H_{t−1} of the method at
/// the anchor v_{t−1}, and the generalized eigenvalues ρ_k with their weights w_k.
public struct SpectrumAnalysis: Sendable {
  /// Which part of the adapter the spectrum covers.
  public enum Selection: Sendable, Equatable {
    case module(Int)
    case joint

    public func modules(in layout: LoRALayout) -> [LoRAModule] {
      switch self {
      case .module(let g): return [layout.modules[g]]
      case .joint: return layout.modules
      }
    }
  }

  public let selection: Selection
  public let label: String
  public let fisher: FisherKind
  public let metricKind: String
  public let spectrum: GeneralizedSpectrum
  /// |L| of Docs/Design.md §2, for λ_eff = λ/|L|.
  public let adaptedLinears: Int
  public let probeExamples: Int
  /// The modules covered, in column order of the directions.
  public let modules: [LoRAModule]
  /// G restricted to the selection [rows, p] and the metric's diagonal data, for `--dump`.
  public let gradients: [Double]
  public let metricData: [Double]
  public let rows: Int
  /// The factor every row of `gradients` carries (√(rows/N_tok), see `ProbeGradients`).
  public let rowScale: Double

  /// λ with this adapter's |L| (checked: finite, ≥ 0).
  public func strength(lambda: Double) throws -> ProximalStrength {
    try ProximalStrength(lambda: lambda, adaptedLinears: adaptedLinears)
  }

  /// w_k = ρ_k/(ρ_k + λ_eff) from the cached ρ: no eigen-solve.
  public func weights(at strength: ProximalStrength) -> [Double] { spectrum.weights(at: strength) }

  /// Builds the metric of `kind` over `modules` at the anchor.
  public static func metric(
    kind: ProximalPenalty.Kind, modules: [LoRAModule], anchor: FloatBuffer, fisher: [Float]?
  ) throws -> (JointProximalMetric, [Double]) {
    var parts: [ProximalMetric] = []
    var data: [Double] = []
    for m in modules {
      switch kind {
      case .softmaxKL:
        let logits = anchor.slice(m.offset, m.count).map(Double.init)
        parts.append(.softmaxKL(anchorLogits: logits))
        data += ProximalMetric.softmax(logits)
      case .l2:
        parts.append(.identity(dimension: m.count))
        data += [Double](repeating: 1, count: m.count)
      case .diagonalFisher:
        guard let f = fisher else { throw LorascopeError.usage("EWC's metric needs the Fisher diagonal") }
        let d = (0..<m.count).map { Double(f[m.offset + $0]) }
        parts.append(.diagonal(d))
        data += d
      }
    }
    return (try JointProximalMetric(modules: parts, names: modules.map(\.name)), data)
  }

  /// The eigen-solve on gradients already computed; callers go through `SpectrumPipeline`,
  /// which measures G and checks it covers the selection. The low-rank path is the default
  /// (n ≪ p); `dense` solves the p × p problem (one module at a time only).
  public static func solve(
    gradients g: ProbeGradients, layout: LoRALayout, anchor: FloatBuffer, metricKind: ProximalPenalty.Kind,
    fisherDiagonal: [Float]?, selection: Selection, epsRelative: Double = ProximalMetric.defaultEpsRelative,
    dense: Bool = false, directions: Int = 8
  ) throws -> SpectrumAnalysis {
    try solve(
      gradients: g, layout: layout,
      metric: ProximalPenalty(kind: metricKind, layout: layout, anchor: anchor, fisher: fisherDiagonal),
      selection: selection, epsRelative: epsRelative, dense: dense, directions: directions)
  }

  /// `solve` with the metric of a method's `AnchorMetric` (Docs/Design.md §2, §3).
  static func solve(
    gradients g: ProbeGradients, layout: LoRALayout, metric anchorMetric: any AnchorMetric, selection: Selection,
    epsRelative: Double = ProximalMetric.defaultEpsRelative, dense: Bool = false, directions: Int = 8
  ) throws -> SpectrumAnalysis {
    let modules = selection.modules(in: layout)
    let (metric, data) = try anchorMetric.metric(over: modules)
    let columns = g.columns(modules)
    let p = metric.dimension
    let eps = metric.defaultEps(epsRelative: epsRelative)
    if dense && selection == .joint {
      throw LorascopeError.usage("the dense path is per module (p × p); use the low-rank path for the joint view")
    }
    let spectrum = dense
      ? try DenseSpectrumSolver.solve(G: columns, n: g.rows, p: p, metric: metric, eps: eps, directionCount: directions)
      : try LowRankSpectrumSolver.solve(G: columns, n: g.rows, p: p, metric: metric, eps: eps, directionCount: directions)
    let label: String
    switch selection {
    case .module(let i): label = layout.modules[i].name
    case .joint: label = "joint (\(modules.count) modules)"
    }
    return SpectrumAnalysis(
      selection: selection, label: label, fisher: g.fisher, metricKind: anchorMetric.metricName, spectrum: spectrum,
      adaptedLinears: layout.adaptedLinearCount, probeExamples: g.examples, modules: modules,
      gradients: columns, metricData: data, rows: g.rows, rowScale: g.rowScale)
  }

  /// Where a direction lives: its largest entries as (module, row, column, value).
  public struct Entry: Codable, Sendable, Equatable {
    public let module: String
    public let row: Int
    public let column: Int
    public let value: Double
  }

  /// The `count` largest-magnitude entries of direction k.
  public func largestEntries(ofDirection k: Int, count: Int = 5) -> [Entry] {
    guard let dirs = spectrum.directions, k < dirs.count else { return [] }
    let q = dirs[k]
    let top = q.indices.sorted { abs(q[$0]) > abs(q[$1]) }.prefix(count)
    return top.map { i in
      var offset = 0
      for m in modules {
        if i < offset + m.count {
          let local = i - offset
          return Entry(module: m.name, row: local / m.cols, column: local % m.cols, value: q[i])
        }
        offset += m.count
      }
      return Entry(module: "?", row: 0, column: 0, value: q[i])
    }
  }
}
