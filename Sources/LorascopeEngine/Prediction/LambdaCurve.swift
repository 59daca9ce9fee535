import Foundation

/// What each λ is predicted to do to one stage before it is trained (Docs/Math.md §45):
/// the retained fraction of the stage's update in the penalty's metric, ‖Δ_λ‖_H/‖Δ_0‖_H
/// (what a race measures as displacement_h, Docs/Design.md §3), and in the Frobenius norm, and the predicted
/// change of validation CE on block t and on blocks < t against λ = 0; plus the λ predicted to
/// keep 90 %, 50 % and 10 % of the update.
public struct LambdaCurve: Codable, Sendable {
  public struct Point: Codable, Sendable, Equatable {
    public var lambda: Double
    public var retainedH: Double
    public var retainedFrobenius: Double
    /// Predicted validation CE on block t at λ minus at λ = 0.
    public var newCEDelta: Double
    /// Predicted validation CE on blocks < t at λ minus at λ = 0.
    public var oldCEDelta: Double

    public init(lambda: Double, retainedH: Double, retainedFrobenius: Double, newCEDelta: Double, oldCEDelta: Double) {
      self.lambda = lambda
      self.retainedH = retainedH
      self.retainedFrobenius = retainedFrobenius
      self.newCEDelta = newCEDelta
      self.oldCEDelta = oldCEDelta
    }

    enum CodingKeys: String, CodingKey {
      case lambda, retainedH = "retained_h", retainedFrobenius = "retained_fro"
      case newCEDelta = "new_ce_delta", oldCEDelta = "old_ce_delta"
    }
  }

  /// The retained fractions a λ is suggested for.
  public static let targets: [Double] = [0.9, 0.5, 0.1]

  public var stage: Int
  /// Ascending in λ.
  public var curve: [Point]
  /// The λ predicted to retain each of `targets` (nil where the curve does not cross it), in order.
  public var suggestedLambda: [Double?]
  /// Wall time of the whole prediction (probe gradients, spectrum, simulation).
  public var seconds: Double

  enum CodingKeys: String, CodingKey { case stage, curve, suggestedLambda = "suggested_lambda", seconds }

  private struct TargetKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    init(target: Double) { stringValue = String(format: "%g", target) }
  }

  public init(stage: Int, curve: [Point], suggestedLambda: [Double?], seconds: Double) {
    self.stage = stage
    self.curve = curve
    self.suggestedLambda = suggestedLambda
    self.seconds = seconds
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    stage = try c.decode(Int.self, forKey: .stage)
    curve = try c.decode([Point].self, forKey: .curve)
    seconds = try c.decode(Double.self, forKey: .seconds)
    let s = try c.nestedContainer(keyedBy: TargetKey.self, forKey: .suggestedLambda)
    suggestedLambda = try Self.targets.map { try s.decodeIfPresent(Double.self, forKey: TargetKey(target: $0)) }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(stage, forKey: .stage)
    try c.encode(curve, forKey: .curve)
    var s = c.nestedContainer(keyedBy: TargetKey.self, forKey: .suggestedLambda)
    for (target, lambda) in zip(Self.targets, suggestedLambda) {
      if let lambda { try s.encode(lambda, forKey: TargetKey(target: target)) } else {
        try s.encodeNil(forKey: TargetKey(target: target))
      }
    }
    try c.encode(seconds, forKey: .seconds)
  }

  /// The λ predicted to retain `target` of the update: the first crossing of the curve from the
  /// small-λ side, interpolated linearly in log λ between the two grid points around it
  /// (Docs/Math.md §45). Nil when no pair of positive λ brackets it.
  /// λ at which the curve keeps `target` of the stage's update (interpolated in log λ between
  /// the two grid points around it), nil when the grid does not reach it.
  public func lambda(forRetained target: Double) -> Double? { Self.crossing(curve, retained: target) }

  /// The predicted retained fraction at `lambda`, interpolated in log λ between grid points: 1 at
  /// λ = 0, nil outside the grid (the curve says nothing there).
  public func retained(atLambda lambda: Double) -> Double? {
    guard lambda > 0 else { return 1 }
    for (a, b) in Self.segments(curve) where a.lambda <= lambda && lambda <= b.lambda {
      let f = (Foundation.log(lambda) - Foundation.log(a.lambda)) / (Foundation.log(b.lambda) - Foundation.log(a.lambda))
      return a.retainedH + f * (b.retainedH - a.retainedH)
    }
    let positive = curve.filter { $0.lambda > 0 }
    return positive.count == 1 && positive[0].lambda == lambda ? positive[0].retainedH : nil
  }

  /// Neighbouring grid points with λ > 0 in ascending λ: the pieces both readings interpolate on.
  private static func segments(_ points: [Point]) -> Zip2Sequence<[Point], ArraySlice<Point>> {
    let positive = points.filter { $0.lambda > 0 }.sorted { $0.lambda < $1.lambda }
    return zip(positive, positive.dropFirst())
  }

  static func crossing(_ points: [Point], retained target: Double) -> Double? {
    for (a, b) in segments(points) where a.retainedH >= target && b.retainedH < target {
      let f = (a.retainedH - target) / (a.retainedH - b.retainedH)
      return Foundation.exp(Foundation.log(a.lambda) + f * (Foundation.log(b.lambda) - Foundation.log(a.lambda)))
    }
    return nil
  }

  /// The default grid: 15 λ, two per decade over seven decades centred on `centre` (the λ
  /// that puts the median resolved ρ at w = ½, Docs/Math.md §41). The spectrum's λ(0.5) has
  /// missed the realized half-way point by more than a decade (Docs/Math.md §31: it kept 88 %
  /// on the synthetic data, 5 % on Video_Games), so the grid reaches 3.5 decades each side.
  static func defaultGrid(centre: Double) -> [Double] {
    (-7...7).map { centre * Foundation.pow(10, Double($0) / 2) }
  }
}
