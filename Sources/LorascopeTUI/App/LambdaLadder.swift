/// The values `+` and `-` step λ through: 0, then 1–2–5 per decade from 0.01
/// to 10⁸; `*` and `/` step by a whole decade. λ matters on a log scale
/// (w_k = ρ_k/(ρ_k + λ/|L|) moves by decades, and on real data λ must rise
/// about four decades above the paper's grid before anything happens), so equal
/// key presses should be equal ratios; a value typed with `L` in between steps
/// to its nearest neighbour on the ladder.
public enum LambdaLadder {
  /// The largest rung.
  public static let top = 1e8

  /// The rungs, ascending.
  public static let values: [Double] = {
    var rungs: [Double] = [0]
    for exponent in -2..<8 {
      let decade = Double("1e\(exponent)") ?? 0  // exact decimal decades (no 0.1 · 10 drift)
      rungs += [decade, 2 * decade, 5 * decade]
    }
    rungs.append(top)
    return rungs
  }()

  /// λ × 10 (0 → the smallest rung; capped at the top rung).
  public static func timesTen(from lambda: Double) -> Double {
    lambda <= 0 ? values[1] : min(lambda * 10, top)
  }

  /// λ ÷ 10 (below the smallest rung: 0).
  public static func dividedByTen(from lambda: Double) -> Double {
    let next = lambda / 10
    return next < values[1] * (1 - 1e-9) ? 0 : next
  }

  /// The smallest rung above `lambda` (the top rung stays).
  public static func up(from lambda: Double) -> Double {
    values.first { $0 > lambda * (1 + 1e-9) } ?? values[values.count - 1]
  }

  /// The largest rung below `lambda` (0 stays 0).
  public static func down(from lambda: Double) -> Double {
    values.last { $0 < lambda * (1 - 1e-9) } ?? 0
  }
}
