/// Every failure the engine reports to a user. Each case names the problem
/// (and, where there is one, the file and the entry) so a message can be shown as is.
public enum LorascopeError: Error, CustomStringConvertible, Equatable, Sendable {
  case invalidConfiguration(String)
  case invalidFile(path: String, reason: String)
  case invalidDataset(path: String, entry: String?, reason: String)
  case numerical(String)
  case lapack(routine: String, info: Int32)
  case io(String)
  case usage(String)

  public var description: String {
    switch self {
    case .invalidConfiguration(let why): return "invalid configuration: \(why)"
    case .invalidFile(let path, let reason): return "\(path): \(reason)"
    case .invalidDataset(let path, let entry, let reason):
      if let entry { return "\(path): entry \(entry): \(reason)" }
      return "\(path): \(reason)"
    case .numerical(let why): return "numerical failure: \(why)"
    case .lapack(let routine, let info):
      let meaning =
        info < 0
        ? "argument \(-info) had an illegal value"
        : "the metric is not positive definite or the solver did not converge (info \(info))"
      return "\(routine) failed: \(meaning)"
    case .io(let why): return why
    case .usage(let why): return why
    }
  }
}
