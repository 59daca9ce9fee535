/// Which test users of a block are evaluated (Docs/Math.md §35): all of them, or a seeded subset
/// of `cap` when the block has more. One rule for the model (`ContinualSession`) and the counting
/// baselines (`lorascope baselines`), so both score the same users for the same seed.
enum EvaluationUsers {
  /// Block `block`'s test examples `all`, or `cap` of them drawn with the run's seed stream, in
  /// their original order.
  public static func select(_ all: [EvaluationExample], cap: Int?, block: Int, seeds: SeedStream) -> [EvaluationExample] {
    guard let cap, all.count > cap else { return all }
    var rng = seeds.generator(.evaluationSubset, block)
    var idx = Array(all.indices)
    idx.shuffle(using: &rng)
    return idx.prefix(cap).sorted().map { all[$0] }
  }
}

extension Array {
  /// At most `count` elements at even spacing, in order (all of them when there are no more): the
  /// bounded validation subsets of the backbone's epoch choice and of the change share.
  func evenlySpaced(atMost count: Int) -> [Element] {
    guard self.count > count else { return self }
    return (0..<count).map { self[$0 * self.count / count] }
  }
}
