/// Where a run's data comes from: the built-in synthetic generator with its settings, or a
/// PESO dataset directory. Saved in a run's config.json so the run can be reopened.
public enum DataSpec: Codable, Equatable, Sendable {
  case synthetic(SyntheticDriftConfig)
  case directory(String)

  public func load() throws -> ContinualDataset {
    switch self {
    case .synthetic(let c): return try SyntheticDrift.generate(c)
    case .directory(let path): return try PESODatasetLoader.load(directory: path)
    }
  }
}
