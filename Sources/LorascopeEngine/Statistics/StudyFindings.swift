/// The plain answer of a study (Docs/Statistics.md, "Reading a study"): does adapting pay at all,
/// and for each method with a λ, which λ buy stability, at what plasticity cost, and which do
/// nothing. Every statement rests on the paired intervals of `SweepComparison`: a λ is said to
/// help or cost only when its interval excludes 0.
public struct StudyFindings: Codable, Sendable, Equatable {
  /// What a λ did against `single`, from the two intervals.
  public enum Effect: String, Codable, Sendable, CaseIterable {
    /// Stability better, plasticity not measurably worse.
    case helps
    /// Stability better, plasticity worse: a trade along the frontier.
    case trades
    /// Neither summary measurably different from `single`.
    case inert
    /// Stability not better and plasticity worse, or stability worse.
    case hurts
    /// No intervals (runs without ranks).
    case unknown

    static func of(_ arm: SweepArmComparison) -> Effect {
      guard let p = arm.plasticityDifference, let s = arm.stabilityDifference else { return .unknown }
      if s.lower > 0 { return p.upper < 0 ? .trades : .helps }
      if s.upper < 0 || p.upper < 0 { return .hurts }
      return .inert
    }
  }

  public struct LambdaEffect: Codable, Sendable, Equatable {
    public var lambda: Double
    public var effect: Effect
    public var plasticity: ConfidenceInterval?
    public var stability: ConfidenceInterval?
  }

  public struct MethodFinding: Codable, Sendable, Equatable {
    public var method: ContinualMethod
    public var lambdas: [LambdaEffect]
    /// One sentence on the method's λ curve.
    public var summary: String
  }

  /// single − frozen on plasticity: what adapting after block 0 buys on the new blocks.
  public var adaptationGain: ConfidenceInterval?
  /// frozen − single on stability: what never adapting keeps of the old blocks.
  public var frozenStability: ConfidenceInterval?
  public var adaptation: String
  public var methods: [MethodFinding]

  enum CodingKeys: String, CodingKey {
    case adaptationGain = "adaptation_gain", frozenStability = "frozen_stability_minus_single", adaptation, methods
  }

  /// The findings of `arms` (from `SweepComparison.compare`; `single` and `frozen` among them).
  public init(arms: [SweepArmComparison], metric: String = "NDCG@5") {
    let frozen = arms.first { $0.method == .frozen }
    adaptationGain = frozen?.plasticityDifference.map(Self.negated)
    frozenStability = frozen?.stabilityDifference
    let seeds = arms.first { $0.method == .single }?.seeds.count ?? 0
    if let gain = adaptationGain {
      let size = gain.signedText
      if gain.lower > 0 {
        adaptation = "Adapting pays: single's plasticity exceeds frozen's by \(size) \(metric) (\(seeds) paired seeds), "
          + "so there is something to trade and a λ can show where it sits."
      } else if gain.upper < 0 {
        adaptation = "Adapting costs: single's plasticity is below frozen's by \(Self.negated(gain).signedText) \(metric) "
          + "(\(seeds) paired seeds); on this setting no λ has anything to trade."
      } else {
        adaptation = "Adapting does not measurably pay: single − frozen = \(size) \(metric) (\(seeds) paired seeds, the "
          + "interval contains 0); with nothing to trade, no λ can show a trade-off."
      }
    } else {
      adaptation = "No adaptation gain measured: the study lacks frozen or the per-user ranks its interval needs."
    }
    var byMethod: [ContinualMethod: [SweepArmComparison]] = [:]
    for a in arms where a.method.usesLambda { byMethod[a.method, default: []].append(a) }
    methods = byMethod.keys.sorted { $0.rawValue < $1.rawValue }.map { method in
      let list = (byMethod[method] ?? []).sorted { $0.lambda < $1.lambda }
      let effects = list.map {
        LambdaEffect(lambda: $0.lambda, effect: Effect.of($0), plasticity: $0.plasticityDifference, stability: $0.stabilityDifference)
      }
      return MethodFinding(method: method, lambdas: effects, summary: Self.summary(method, effects, metric: metric))
    }
  }

  static func summary(_ method: ContinualMethod, _ effects: [LambdaEffect], metric: String) -> String {
    func list(_ e: Effect) -> [LambdaEffect] { effects.filter { $0.effect == e } }
    func lambdas(_ l: [LambdaEffect]) -> String { l.map { formatLambda($0.lambda) }.joined(separator: ", ") }
    var parts: [String] = []
    let helps = list(.helps), trades = list(.trades), inert = list(.inert), hurts = list(.hurts)
    if !helps.isEmpty {
      let best = helps.max { ($0.stability?.mean ?? 0) < ($1.stability?.mean ?? 0) }
      parts.append("buys stability at no measured plasticity cost at λ = \(lambdas(helps))"
        + (best?.stability.map { " (most at λ = \(formatLambda(best?.lambda ?? 0))): \($0.signedText))" } ?? ""))
    }
    if !trades.isEmpty {
      parts.append("trades plasticity for stability at λ = \(lambdas(trades))")
    }
    if !hurts.isEmpty { parts.append("is worse than single at λ = \(lambdas(hurts))") }
    if !inert.isEmpty { parts.append("has no measured effect at λ = \(lambdas(inert))") }
    if parts.isEmpty { return "\(method.rawValue): no intervals (runs without per-user ranks)." }
    if helps.isEmpty && trades.isEmpty {
      return "\(method.rawValue): the anchor helps nowhere on this grid; it " + parts.joined(separator: "; it ") + "."
    }
    return "\(method.rawValue) " + parts.joined(separator: "; it ") + " (\(metric), against single)."
  }

  static func negated(_ c: ConfidenceInterval) -> ConfidenceInterval {
    ConfidenceInterval(mean: -c.mean, lower: -c.upper, upper: -c.lower, confidence: c.confidence)
  }

  /// λ as people write it: 0, 2, 0.5, 3e+04.
  public static func formatLambda(_ x: Double) -> String {
    if x == 0 { return "0" }
    if x >= 1e4 || x < 1e-2 { return String(format: "%.3g", x) }
    return String(format: "%g", x)
  }

  /// The findings as Markdown paragraphs.
  public var markdown: String {
    ([adaptation] + methods.map(\.summary)).joined(separator: "\n\n")
  }
}
