/// `single` (Docs/Design.md §2): one adapter keeps training on each block, with no penalty.
struct SingleAdapterMethod: ContinualMethodDefinition {
  let name = "single"
  let summary = "single evolving LoRA, no penalty"
  var usesLambda: Bool { false }
}

/// `frozen` (Docs/Design.md §2): trained on block 0, never adapted — the lower bound.
struct FrozenMethod: ContinualMethodDefinition {
  let name = "frozen"
  let summary = "trained on block 0 only, never adapted"
  var usesLambda: Bool { false }
  var trainsAfterBlockZero: Bool { false }
}
