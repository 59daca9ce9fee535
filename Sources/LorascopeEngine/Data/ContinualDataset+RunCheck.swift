extension ContinualDataset {
  /// Checks that `lorascope run` can train on this dataset with its default model (Docs/Design.md
  /// §1): at least two blocks, and a vocabulary and training window the default config accepts.
  /// `data check` calls it so that a dataset it passes does not fail — or crash — in `run`.
  ///
  /// - Throws: `LorascopeError.invalidDataset` naming the dataset's source.
  public func checkUsableForRun() throws {
    guard numBlocks >= 2 else {
      throw LorascopeError.invalidDataset(
        path: source, entry: nil, reason: "a continual run needs at least 2 blocks, found \(numBlocks)")
    }
    do {
      try RunConfig.defaults(vocabSize: items.vocabSize).validate(for: items)
    } catch let error as LorascopeError {
      throw LorascopeError.invalidDataset(
        path: source, entry: nil,
        reason: "the default model cannot train on it (\(items.levels) levels, K = \(items.codebookSize)): \(error)")
    }
  }
}
