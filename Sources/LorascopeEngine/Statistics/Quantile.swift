/// The q-quantile of a sorted sample by linear interpolation between order statistics (type 7,
/// NumPy's default): the one definition the bootstrap intervals (Docs/Statistics.md) and the
/// λ guidance (Docs/Math.md §41) share.
enum Quantile {
  public static func of(sorted: [Double], at q: Double) -> Double {
    precondition(!sorted.isEmpty, "quantile of no values")
    let position = min(max(q, 0), 1) * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
  }
}
