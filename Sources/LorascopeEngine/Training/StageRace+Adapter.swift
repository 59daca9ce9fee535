/// A lane's adapter as it stands: what the screen's predicted-vs-realized check needs after a
/// race of λ = 0 against the run's λ (the two retrainings `verify` runs, Docs/Design.md §3),
/// taken step by step so the screen can show progress and stop between steps.
extension StageRace {
  /// A copy of `lane`'s adapter (its trainer keeps training the original).
  public func adapter(of lane: Lane) throws -> FloatBuffer {
    guard let adapter = lane.trainer.model.lora else {
      throw LorascopeError.usage("the race lane λ = \(lane.strength.lambda) has no adapter")
    }
    return adapter.clone()
  }
}
