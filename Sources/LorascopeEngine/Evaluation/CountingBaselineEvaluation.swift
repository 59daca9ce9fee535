/// The counting baselines of every stage of a dataset (Docs/Math.md §44): for each block t, the
/// counts of stage t (the train lists of blocks 0…t) ranking block t's test users — all of
/// them, or the seeded subset a run with `evaluationUsers` and `seed` evaluates. What
/// `lorascope baselines` prints; a run records the same numbers stage by stage.
public enum CountingBaselineEvaluation {
  /// Per block, the ranks of its test users under each baseline.
  public static func ranksPerBlock(
    dataset: ContinualDataset, evaluationUsers: Int?, seed: UInt64,
    maxHistory: Int = ContinualDataset.defaultMaxHistory, listLength: Int = 10
  ) throws -> [CountingBaselineValues<ExampleRanks>] {
    let seeds = SeedStream(root: seed)
    var counts = CountingBaselineCounts(itemCount: dataset.items.numItems)
    return try (0..<dataset.numBlocks).map { t in
      try counts.fit(dataset, through: t)
      let examples = EvaluationUsers.select(
        try dataset.split(block: t, maxHistory: maxHistory).test, cap: evaluationUsers, block: t, seeds: seeds)
      return CountingBaselineRanker(counts: counts, items: dataset.items, listLength: listLength).ranks(examples: examples)
    }
  }
}
