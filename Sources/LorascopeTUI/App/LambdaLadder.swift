/// The values `+` and `-` step λ through: 0, then 1–2–5 per decade from 0.01
/// to 1000. λ matters on a log scale (w_k = ρ_k/(ρ_k + λ/|L|) moves by
/// decades), so equal key presses should be equal ratios; a value typed with
/// `L` in between steps to its nearest neighbour on the ladder.
public enum LambdaLadder {
  /// The rungs, ascending.
  public static let values: [Double] = {
    var rungs: [Double] = [0]
    var decade = 0.01
    while decade < 1000 {
      rungs += [decade, 2 * decade, 5 * decade]
      decade *= 10
    }
    rungs.append(1000)
    return rungs
  }()

  /// The smallest rung above `lambda` (the top rung stays).
  public static func up(from lambda: Double) -> Double {
    values.first { $0 > lambda * (1 + 1e-9) } ?? values[values.count - 1]
  }

  /// The largest rung below `lambda` (0 stays 0).
  public static func down(from lambda: Double) -> Double {
    values.last { $0 < lambda * (1 - 1e-9) } ?? 0
  }
}
