/// Which directions test the quadratic model (Docs/Math.md §31). A direction whose predicted
/// weight w_k = ρ_k/(ρ_k + λ_eff) is ≈ 1 is predicted not to change, and one with w_k ≈ 0 to
/// be held at the anchor; agreement there would confirm nothing the model adds (at a small λ the
/// top directions all have w_k ≈ 1, so realized ≈ 1 is what any λ that does nothing gives). The
/// model makes a claim that could fail only where 0.05 ≤ w_k ≤ 0.95, so the check counts the
/// resolved spectrum's directions by band and compares only the middle band.
extension TheoryCheck {
  /// The weights below which a direction is predicted to keep less than 5 % of its free
  /// displacement, and above which more than 95 %.
  public static let testableWeights: ClosedRange<Double> = 0.05...0.95
  /// The most testable directions compared (an evenly spread subset by w_k when there are more).
  public static let defaultComparedDirections = 48

  /// How many resolved directions (the finite ρ above the zero cluster, without the shift
  /// directions, as `LambdaGuidance` takes them) fall in each band of predicted w_k.
  public struct Bands: Codable, Sendable, Equatable {
    /// w_k < 0.05: predicted to stay at the anchor.
    public let below: Int
    /// 0.05 ≤ w_k ≤ 0.95: the directions that test the model.
    public let testable: Int
    /// w_k > 0.95: predicted to move as without the penalty.
    public let above: Int

    enum CodingKeys: String, CodingKey {
      case below = "below_0.05", testable = "0.05_to_0.95", above = "above_0.95"
    }

    public init(below: Int, testable: Int, above: Int) {
      self.below = below
      self.testable = testable
      self.above = above
    }

    /// The bands of a spectrum's resolved ρ at `strength`.
    public init(spectrum: GeneralizedSpectrum, strength: ProximalStrength) {
      var below = 0, testable = 0, above = 0
      for rho in spectrum.nonZeroRho {
        let w = strength.weight(rho: rho, zeroCutoff: spectrum.zeroCutoff)
        if w < TheoryCheck.testableWeights.lowerBound {
          below += 1
        } else if w > TheoryCheck.testableWeights.upperBound {
          above += 1
        } else {
          testable += 1
        }
      }
      self.init(below: below, testable: testable, above: above)
    }

    public var total: Int { below + testable + above }

    /// Why nothing can be compared, in the words a report prints; nil when some direction is testable.
    public var uncheckableReason: String? {
      guard testable == 0 else { return nil }
      if total == 0 { return "cannot be checked: the spectrum has no resolved direction" }
      if below == 0 {
        return "cannot be checked at this λ: every direction keeps more than 95 % (w_k > 0.95 for all \(above))"
      }
      if above == 0 {
        return "cannot be checked at this λ: every direction keeps less than 5 % (w_k < 0.05 for all \(below))"
      }
      return "cannot be checked at this λ: no direction keeps between 5 % and 95 % (\(above) keep more than 95 %,"
        + " \(below) less than 5 %)"
    }
  }

  /// The indices k (into `spectrum.rho`, descending ρ) of the testable directions with a stored
  /// q_k, at most `limit` of them: when there are more, the subset evenly spread over their
  /// w_k order (the lowest and highest w always in), so the comparison spans the whole band
  /// rather than its stiff or its soft end. Deterministic: no sampling. Returned in k order.
  public static func testableIndices(
    spectrum: GeneralizedSpectrum, strength: ProximalStrength, limit: Int = defaultComparedDirections
  ) -> [Int] {
    let stored = min(spectrum.directions?.count ?? 0, spectrum.rho.count)
    let inBand = (0..<stored).filter { k in
      spectrum.rho[k] > spectrum.zeroCutoff
        && testableWeights.contains(strength.weight(rho: spectrum.rho[k], zeroCutoff: spectrum.zeroCutoff))
    }
    guard inBand.count > limit else { return inBand }
    guard limit > 1 else { return limit == 1 ? [inBand[inBand.count / 2]] : [] }
    // ρ descends with k, so w_k does too: inBand is already in w order (ties keep k order).
    let last = Double(inBand.count - 1)
    let chosen = (0..<limit).map { i in inBand[Int((Double(i) * last / Double(limit - 1)).rounded())] }
    return chosen.sorted()
  }

  /// The spectrum a check needs: every resolved direction's q_k, not only the top ones. The rank
  /// of Σ is at most the probe's row count n, so asking for n directions gets all of them (the
  /// low-rank path stores only those above the zero cluster; Docs/Math.md §26).
  public static func analyze(
    source: SpectrumSource, gradients: ProbeGradients, selection: SpectrumAnalysis.Selection,
    epsRelative: Double = ProximalMetric.defaultEpsRelative
  ) throws -> SpectrumAnalysis {
    try SpectrumPipeline.analyze(
      source: source, gradients: gradients, selection: selection, epsRelative: epsRelative,
      directions: max(gradients.rows, 1))
  }
}
