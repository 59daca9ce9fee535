/// The three counters a recommender is judged against on real data (Docs/Math.md §44):
/// popularity, a first-order Markov chain and windowed item-to-item co-occurrence. A model that
/// ranks below them has not learned what users do, whatever its stability–plasticity results say.
public enum CountingBaseline: String, CaseIterable, Codable, Sendable {
  case popularity, markov, cooccurrence

  /// The name people read in tables: "popularity", "Markov", "co-occurrence".
  public var label: String {
    switch self {
    case .popularity: return "popularity"
    case .markov: return "Markov"
    case .cooccurrence: return "co-occurrence"
    }
  }

  /// How many of the history's last items score the candidates (popularity reads none).
  var historyDepth: Int {
    switch self {
    case .popularity: return 0
    case .markov: return 5
    case .cooccurrence: return 10
    }
  }

  /// The weight of the history's (k+1)-th last item as an exact integer: 0.5^k·16 for Markov,
  /// 0.7^k·10⁹ = 7^k·10^(9−k) for co-occurrence. One constant per baseline scales every score
  /// alike, so the order is that of Docs/Math.md §44 and equal scores stay equal.
  func weight(recency k: Int) -> Int {
    precondition(k >= 0 && k < historyDepth, "item \(k) is outside the scored history")
    switch self {
    case .popularity: return 0
    case .markov: return 16 >> k
    case .cooccurrence:
      var w = 1
      for _ in 0..<k { w *= 7 }
      for _ in k..<9 { w *= 10 }
      return w
    }
  }
}
