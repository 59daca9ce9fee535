/// Whether a `TheoryCheck` bears the quadratic model out, in the terms a screen or a report
/// states it (issue 11 item 3): the realized displacement ratios c_k(λ)/c_k(0) follow the
/// predicted w_k = ρ_k/(ρ_k + λ_eff) of Docs/Design.md §3, scatter around them, or sit far above
/// them at a large λ, where the anchor holds back much less than the quadratic picture says.
extension TheoryCheck {
  public enum Agreement: String, Sendable, Equatable {
    /// Fewer than three directions with a defined realized ratio.
    case tooFewDirections
    /// Median |realized − predicted| ≤ `closeGap`.
    case holds
    /// The predicted weights are small (mean < ½) but the realized ratios stay above them by
    /// more than `farGap` in the median: the large-λ breakdown.
    case breaksAtLargeLambda
    /// Anything else: the ratios scatter around w_k.
    case scatters
  }

  /// The median gap below which the prediction counts as borne out.
  public static let closeGap = 0.1
  /// The median excess above which a strong λ counts as not holding the way predicted.
  public static let farGap = 0.2

  /// Directions with a defined realized ratio.
  public var definedDirections: [Direction] { directions.filter { $0.realized.isFinite && $0.predicted.isFinite } }

  /// The median of realized − predicted over the defined directions.
  public var medianExcess: Double? { Self.median(definedDirections.map { $0.realized - $0.predicted }) }

  /// The median of |realized − predicted| over the defined directions.
  public var medianGap: Double? { Self.median(definedDirections.map { abs($0.realized - $0.predicted) }) }

  public var agreement: Agreement {
    let defined = definedDirections
    guard defined.count >= 3, let gap = medianGap, let excess = medianExcess else { return .tooFewDirections }
    if gap <= Self.closeGap { return .holds }
    let meanPredicted = defined.map(\.predicted).reduce(0, +) / Double(defined.count)
    if meanPredicted < 0.5 && excess > Self.farGap { return .breaksAtLargeLambda }
    return .scatters
  }

  static func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }
}
