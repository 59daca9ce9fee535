/// `cumulative-all` and `cumulative-latest` (SumLoRA, Docs/Design.md §2): the past adapters (all
/// of them, or the latest) are merged, frozen, into the base of stage t (`CumulativeAdapters`),
/// each divided by its Frobenius norm unless `--plain-sum`, and a trainable adapter is added:
/// v_{t−1} again, or a fresh one with `--no-inherit`. No penalty.
struct CumulativeMethod: ContinualMethodDefinition {
  let name: String
  let summary: String
  /// Whether every past adapter is merged, or only the latest.
  let mergesAll: Bool

  static let all = CumulativeMethod(
    name: "cumulative-all", summary: "frozen past adapters (all) + a new trainable one", mergesAll: true)
  static let latest = CumulativeMethod(
    name: "cumulative-latest", summary: "frozen latest adapter + a new trainable one", mergesAll: false)

  var usesLambda: Bool { false }

  func frozenPastStages(before t: Int) -> Range<Int> { t < 1 ? t..<t : (mergesAll ? 0 : t - 1)..<t }

  func startsFromAnchor(_ config: RunConfig) -> Bool { config.inherit }
}
