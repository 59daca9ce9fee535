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

  /// The longest message part shown whole; longer parts are cut by `ErrorQuote` (a safety net
  /// behind the quoting sites, which bound what they quote themselves).
  static let maximumPartLength = 2000

  public var description: String {
    func bound(_ s: String) -> String { ErrorQuote.bounded(s, limit: Self.maximumPartLength) }
    return bound(unboundedDescription)
  }

  private var unboundedDescription: String {
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

/// Bounds what an error message quotes from user input: a 200 MB item id must not be echoed
/// whole. Text longer than `limit` characters keeps its first `limit`, then an ellipsis and the
/// full length in bytes, so the message still says which entry it is and how long it was.
enum ErrorQuote {
  /// The longest quoted text kept whole.
  public static let defaultLimit = 80

  /// `text`, or its first `limit` characters + "… (N bytes)" (N: the UTF-8 length of the whole).
  public static func bounded(_ text: String, limit: Int = defaultLimit) -> String {
    guard text.utf8.count > limit else { return text }
    let prefix = text.prefix(limit)
    guard prefix.endIndex < text.endIndex else { return text }
    return String(prefix) + "… (\(text.utf8.count) bytes)"
  }

  /// `"text"`, bounded.
  public static func quoted(_ text: String, limit: Int = defaultLimit) -> String { "\"\(bounded(text, limit: limit))\"" }
}
