/// A named set of training settings over `RunConfig.defaults` (Docs/Design.md §2; why each
/// exists: Docs/Results.md, "A regime where adaptation pays").
public enum TrainingRecipe: String, CaseIterable, Codable, Sendable {
  /// lorascope's first defaults: LoRA only after block 0, learning rate 1e-3, 3 epochs. Tuned on
  /// the synthetic drift data, where it adapts; on the released data it does not beat `frozen`.
  case steady
  /// The default for real data: as `steady`, with embeddings and lm_head trained (unregularized,
  /// as in the released PESO code) in every block. On Video_Games it beats `frozen` on the new
  /// blocks by more than the seed spread and keeps the old blocks about as well as `frozen`.
  case embeddings
  /// The paper's recipe: CE temperature 0.8, trainable embeddings and lm_head, LoRA dropout 0.05,
  /// 4 epochs per block, 10× smaller learning rate after block 0.
  case paper

  /// The recipe used when none is named: `steady` for the synthetic generator (what the screen
  /// and the tests were built on), `embeddings` for a dataset directory.
  public static func defaultRecipe(for data: DataSpec) -> TrainingRecipe {
    switch data {
    case .synthetic: return .steady
    case .directory: return .embeddings
    }
  }

  /// `config` with this recipe's settings.
  public func apply(to config: RunConfig) -> RunConfig {
    var c = config
    switch self {
    case .steady:
      break
    case .embeddings:
      c.trainEmbeddings = true
    case .paper:
      c.ceTemperature = 0.8
      c.trainEmbeddings = true
      c.lora.dropout = 0.05
      c.adapter.epochs = 4
      c.adapterWarmStart.epochs = 4
      c.adapter.learningRate = c.adapterWarmStart.learningRate / 10
    }
    return c
  }
}
