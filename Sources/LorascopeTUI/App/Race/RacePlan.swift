import LorascopeEngine

/// Which λ a race on the screen runs when none are typed (issue 11 item 4): the current λ
/// against λ(w* = ½) of the shown spectrum (Docs/Math.md, λ guidance), where the median
/// resolved direction keeps half its data-driven displacement; without a spectrum, the
/// current λ against λ = 0.
public enum RacePlan {
  /// `nil` when λ = 0 and there is no spectrum (λ = 0 against itself would race nothing new).
  public static func defaultLambdas(current: Double, snapshot: DashboardSnapshot) -> [Double]? {
    // A λ set from the stage's predicted curve (w, W) races against 0: the race realizes the
    // retained fraction the curve predicted (Docs/Math.md §45).
    if current > 0, snapshot.currentLambdaCurve != nil {
      return [current, 0]
    }
    if let result = snapshot.spectrum.result,
      let guidance = LambdaGuidance(resolvedRho: result.rho, adaptedLinears: snapshot.run.adaptedLinears),
      let half = guidance.lambda(forWeight: 0.5), half != current
    {
      return [current, half]
    }
    return current == 0 ? nil : [current, 0]
  }

  /// Why `lambdas` cannot race, or `nil`.
  public static func problem(with lambdas: [Double]) -> String? {
    guard (2...StageRace.maximumLanes).contains(lambdas.count) else {
      return "a race runs 2 to \(StageRace.maximumLanes) λ values, not \(lambdas.count)"
    }
    for lambda in lambdas {
      do { try ProximalStrength.validate(lambda: lambda) } catch {
        return (error as? LorascopeError)?.description ?? "\(error)"
      }
    }
    return nil
  }
}
