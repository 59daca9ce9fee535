import Foundation

/// Linear warm-up then cosine decay within a stage (Docs/Design.md §2).
struct LearningRateSchedule: Codable, Equatable, Sendable {
  public var peak: Float
  public var warmupSteps: Int
  public var totalSteps: Int
  /// The floor the cosine decays to, as a fraction of the peak.
  public var minFraction: Float

  public init(peak: Float, warmupSteps: Int, totalSteps: Int, minFraction: Float = 0.1) {
    self.peak = peak
    self.warmupSteps = warmupSteps
    self.totalSteps = max(totalSteps, 1)
    self.minFraction = minFraction
  }

  /// The learning rate of step `step` (0-based).
  public func rate(at step: Int) -> Float {
    if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
    let decaySteps = max(totalSteps - warmupSteps, 1)
    let progress = min(Float(step - warmupSteps) / Float(decaySteps), 1)
    let cosine = 0.5 * (1 + Foundation.cos(Float.pi * progress))
    return peak * (minFraction + (1 - minFraction) * cosine)
  }
}
