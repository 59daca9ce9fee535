/// One value per counting baseline (Docs/Math.md §44): their metrics in metrics.json
/// (`{"popularity": …, "markov": …, "cooccurrence": …}`) or their per-user ranks in ranks.json.
public struct CountingBaselineValues<Value> {
  public var popularity: Value
  public var markov: Value
  public var cooccurrence: Value

  public init(popularity: Value, markov: Value, cooccurrence: Value) {
    self.popularity = popularity
    self.markov = markov
    self.cooccurrence = cooccurrence
  }

  /// Computes each baseline's value.
  public init(_ make: (CountingBaseline) throws -> Value) rethrows {
    self.init(popularity: try make(.popularity), markov: try make(.markov), cooccurrence: try make(.cooccurrence))
  }

  public subscript(baseline: CountingBaseline) -> Value {
    get {
      switch baseline {
      case .popularity: return popularity
      case .markov: return markov
      case .cooccurrence: return cooccurrence
      }
    }
    set {
      switch baseline {
      case .popularity: popularity = newValue
      case .markov: markov = newValue
      case .cooccurrence: cooccurrence = newValue
      }
    }
  }

  public func map<T>(_ transform: (Value) throws -> T) rethrows -> CountingBaselineValues<T> {
    try CountingBaselineValues<T> { try transform(self[$0]) }
  }
}

extension CountingBaselineValues: Codable where Value: Codable {}
extension CountingBaselineValues: Equatable where Value: Equatable {}
extension CountingBaselineValues: Sendable where Value: Sendable {}

extension CountingBaselineValues where Value == RankingMetrics {
  /// The baseline with the highest value of `metric` (the first in `CountingBaseline.allCases`
  /// order when equal): the counter a model must beat.
  public func best(_ metric: RankingMetricName) -> CountingBaseline {
    CountingBaseline.allCases.reduce(CountingBaseline.popularity) { self[$1].value(metric) > self[$0].value(metric) ? $1 : $0 }
  }
}

extension CountingBaselineValues where Value == ExampleRanks {
  /// The averages of each baseline's ranks.
  public var metrics: CountingBaselineValues<RankingMetrics> { map(\.metrics) }
}
