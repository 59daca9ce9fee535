/// Whether a `TheoryCheck` bears the quadratic model out, in the terms a screen or a report
/// states it (issue 11 item 3): the realized displacement ratios c_k(λ)/c_k(0) follow the
/// predicted w_k = ρ_k/(ρ_k + λ_eff) of Docs/Design.md §3, scatter around them, or sit far above
/// them at a large λ, where the anchor holds back much less than the quadratic picture says. Only
/// the compared directions (0.05 ≤ w_k ≤ 0.95, TheoryCheck+Directions.swift) enter: a direction
/// predicted to keep ≈ all or ≈ none of its displacement cannot confirm the model.
extension TheoryCheck {
  public enum Agreement: String, Sendable, Equatable {
    /// No resolved direction has 0.05 ≤ w_k ≤ 0.95 at this λ: nothing tests the model
    /// (`bands.uncheckableReason` says which way).
    case cannotBeChecked = "cannot_be_checked"
    /// Fewer than three testable directions with a defined realized ratio.
    case tooFewDirections = "too_few_directions"
    /// Median |realized − predicted| ≤ `closeGap` and, where both are positive, realized within
    /// a factor `closeFactor` of predicted in the median (small weights are judged by ratio:
    /// 0.05 realized against 0.001 predicted is a small gap but a fifty-fold miss).
    case holds = "holds"
    /// The predicted weights are small (mean < ½) but the realized ratios stay above them by
    /// more than `farGap` or by more than a factor `farFactor` in the median: the large-λ
    /// breakdown.
    case breaksAtLargeLambda = "breaks_at_large_lambda"
    /// Anything else: the ratios scatter around w_k.
    case scatters = "scatters"
  }

  /// The median gap below which the prediction counts as borne out.
  public static let closeGap = 0.1
  /// The median excess above which a strong λ counts as not holding the way predicted.
  public static let farGap = 0.2
  /// The median factor realized/predicted within which the prediction counts as borne out.
  public static let closeFactor = 2.0
  /// The median factor realized/predicted above which a strong λ counts as not holding.
  public static let farFactor = 3.0

  /// Compared directions with a defined realized ratio.
  public var definedDirections: [Direction] { directions.filter { $0.realized.isFinite && $0.predicted.isFinite } }

  /// The median of realized − predicted over the defined directions.
  public var medianExcess: Double? { Self.median(definedDirections.map { $0.realized - $0.predicted }) }

  /// The median of |realized − predicted| over the defined directions.
  public var medianGap: Double? { Self.median(definedDirections.map { abs($0.realized - $0.predicted) }) }

  /// The median of realized/predicted over the directions where both are positive.
  public var medianFactor: Double? {
    Self.median(definedDirections.filter { $0.realized > 0 && $0.predicted > 0 }.map { $0.realized / $0.predicted })
  }

  public var agreement: Agreement {
    guard bands.testable > 0 else { return .cannotBeChecked }
    let defined = definedDirections
    guard defined.count >= 3, let gap = medianGap, let excess = medianExcess else { return .tooFewDirections }
    let factor = medianFactor
    let withinFactor = factor.map { $0 <= Self.closeFactor && $0 >= 1 / Self.closeFactor } ?? true
    if gap <= Self.closeGap && withinFactor { return .holds }
    let meanPredicted = defined.map(\.predicted).reduce(0, +) / Double(defined.count)
    if meanPredicted < 0.5 && (excess > Self.farGap || (factor ?? 0) > Self.farFactor) { return .breaksAtLargeLambda }
    return .scatters
  }

  static func median(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : Quantile.of(sorted: values.sorted(), at: 0.5)
  }
}
