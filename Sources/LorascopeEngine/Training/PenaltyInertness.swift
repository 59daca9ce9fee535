/// Is λ inert? (Docs/Math.md §42.) The ratio ‖λ_eff ∇P‖ / ‖∇CE‖ over the adapter says how much
/// the proximal term moves an optimizer step compared with the data: far below 1e-3, the
/// penalty changes nothing AdamW does, whatever λ says.
public enum PenaltyInertness {
  /// Below this ratio, steadily, λ counts as inert.
  public static let inertThreshold = 1e-3

  /// ‖penalty‖ / ‖ce‖ of two gradients over the same adapter entries; nil when ‖ce‖ = 0.
  public static func ratio(penaltyGradient: UnsafeBufferPointer<Float>, ceGradient: UnsafeBufferPointer<Float>) -> Double? {
    let p = norm(penaltyGradient), c = norm(ceGradient)
    guard c > 0, c.isFinite, p.isFinite else { return nil }
    return p / c
  }

  /// The ratio and the penalty in nats (λ_eff·Σ_g P_g) at the model's current adapter, with ∇CE
  /// the mean-token CE gradient on `sequences` (dropout off), as a training step measures them.
  public static func measure(
    model: LlamaModel, sequences: [TrainingPair], penalty: any AdapterPenalty,
    strength: ProximalStrength
  ) throws -> (ratio: Double?, nats: Double) {
    guard let v = model.lora else { throw LorascopeError.usage("the inertness ratio needs a model with an adapter") }
    guard !sequences.isEmpty else { throw LorascopeError.usage("the inertness ratio needs at least one sequence") }
    let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
    model.dropoutEnabled = false
    _ = try model.lossAndGradients(TokenBatch(rows: sequences), into: grads)
    guard let ce = grads.lora else { throw LorascopeError.usage("the model has no adapter gradients") }
    let penaltyGradient = FloatBuffer(count: v.count)
    let values = penalty.evaluate(v, strength: strength, gradient: penaltyGradient)
    let ratio = Self.ratio(
      penaltyGradient: UnsafeBufferPointer(start: penaltyGradient.base, count: penaltyGradient.count),
      ceGradient: UnsafeBufferPointer(start: ce.base, count: ce.count))
    return (ratio, penalty.total(values, strength: strength))
  }

  /// The Euclidean norm in Float64.
  public static func norm(_ x: UnsafeBufferPointer<Float>) -> Double {
    var sum = 0.0
    for v in x { sum += Double(v) * Double(v) }
    return sum.squareRoot()
  }
}

/// The last few steps' ratios, so the screen says "λ inert" only when the ratio *stays* low
/// (one quiet step proves nothing).
public struct InertnessMonitor: Sendable, Equatable {
  /// How many recent steps count.
  public let window: Int
  public private(set) var recent: [Double] = []

  public init(window: Int = 20) { self.window = max(window, 1) }

  public mutating func record(_ ratio: Double?) {
    guard let ratio, ratio.isFinite else { return }
    recent.append(ratio)
    if recent.count > window { recent.removeFirst(recent.count - window) }
  }

  public mutating func reset() { recent.removeAll() }

  /// The median of the recent ratios (nil before any step).
  public var typicalRatio: Double? {
    guard !recent.isEmpty else { return nil }
    return Quantile.of(sorted: recent.sorted(), at: 0.5)
  }

  /// True when at least `min(window, 5)` steps were seen and every one stayed below the threshold.
  public var isInert: Bool {
    recent.count >= min(window, 5) && recent.allSatisfy { $0 < PenaltyInertness.inertThreshold }
  }
}
