import LorascopeEngine

/// The guided tour of `lorascope demo` (Docs/Design.md §7): cues at points of a run
/// on the synthetic data, each with a one-line explanation, optional actions
/// (set λ, switch a view, recompute the spectrum) and a pause until Space.
///
/// The script is data, `Assets/demo.json`:
///
///     { "title": "…",
///       "steps": [
///         {"at": "stage 0 backbone start", "say": "…"},
///         {"at": "stage 1 step 40", "lambda": 20, "say": "…"},
///         {"at": "stage 1 end", "show": "matrix", "say": "…", "pause": true} ] }
///
/// `at` is `stage <t> [backbone] start`, `stage <t> [backbone] step <n>`,
/// `stage <t> end` or `finished`; `pause` defaults to true. Unknown keys,
/// a bad position or two cues at one position are errors that name the step.
public struct DemoScript: Sendable, Equatable {
  /// What a cue can switch the screen to.
  public enum View: String, Sendable, CaseIterable {
    case matrix, metrics, heatmap, bars
  }

  /// One teaching moment.
  public struct Cue: Sendable, Equatable {
    public var position: CuePosition
    /// The one-line explanation.
    public var say: String
    /// Wait for Space (otherwise the run goes on and the caption stays a while).
    public var pause: Bool
    /// Set λ here (the change is logged like a key press).
    public var lambda: Double?
    public var show: View?
    /// Recompute the spectrum here (`e`).
    public var recomputeSpectrum: Bool

    public init(
      position: CuePosition, say: String, pause: Bool = true, lambda: Double? = nil, show: View? = nil,
      recomputeSpectrum: Bool = false
    ) {
      self.position = position
      self.say = say
      self.pause = pause
      self.lambda = lambda
      self.show = show
      self.recomputeSpectrum = recomputeSpectrum
    }
  }

  public var title: String
  public var cues: [Cue]

  public init(title: String, cues: [Cue]) {
    self.title = title
    self.cues = cues
  }

  /// The position a cue's `at` text names; the error says what is accepted.
  public static func position(_ text: String) throws -> CuePosition {
    let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    let expected = "expected 'stage <t> [backbone] start', 'stage <t> [backbone] step <n>', 'stage <t> end' or 'finished'"
    if words == ["finished"] { return .finished }
    guard words.count >= 3, words[0] == "stage", let stage = Int(words[1]), stage >= 0 else {
      throw LorascopeError.usage("'\(text)': \(expected)")
    }
    var rest = Array(words.dropFirst(2))
    var backbone = false
    if rest.first == "backbone" || rest.first == "adapter" {
      backbone = rest.first == "backbone"
      rest.removeFirst()
    }
    if backbone && stage != 0 { throw LorascopeError.usage("'\(text)': only stage 0 pretrains the backbone") }
    switch rest.count {
    case 1 where rest[0] == "start": return .phaseStart(stage: stage, backbone: backbone)
    case 1 where rest[0] == "end" && !backbone: return .stageEnd(stage: stage)
    case 2 where rest[0] == "step":
      guard let step = Int(rest[1]), step >= 1 else {
        throw LorascopeError.usage("'\(text)': the step is a number ≥ 1")
      }
      return .step(stage: stage, backbone: backbone, step: step)
    default:
      throw LorascopeError.usage("'\(text)': \(expected)")
    }
  }
}

// MARK: - The JSON form

extension DemoScript: Decodable {
  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  private static let cueKeys = ["at", "say", "pause", "lambda", "show", "spectrum"]

  public init(from decoder: any Decoder) throws {
    let root = try decoder.container(keyedBy: Key.self)
    try DemoScript.rejectUnknownKeys(root, allowed: ["title", "steps"])
    let title = try root.decodeIfPresent(String.self, forKey: Key(stringValue: "title")) ?? "lorascope tour"
    var list = try root.nestedUnkeyedContainer(forKey: Key(stringValue: "steps"))
    var cues: [Cue] = []
    var seen: [CuePosition: Int] = [:]
    while !list.isAtEnd {
      let index = list.currentIndex
      let entry = try list.nestedContainer(keyedBy: Key.self)
      try DemoScript.rejectUnknownKeys(entry, allowed: DemoScript.cueKeys)
      func fail(_ why: String) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: entry.codingPath, debugDescription: why))
      }
      let at = try entry.decode(String.self, forKey: Key(stringValue: "at"))
      let position: CuePosition
      do {
        position = try DemoScript.position(at)
      } catch let error as LorascopeError {
        throw fail("at: \(error.description)")
      }
      if let first = seen[position] { throw fail("steps \(first) and \(index) are both at \(position)") }
      seen[position] = index
      let say = try entry.decode(String.self, forKey: Key(stringValue: "say"))
      guard !say.trimmingSpaces.isEmpty else { throw fail("say is empty") }
      let lambda = try entry.decodeIfPresent(Double.self, forKey: Key(stringValue: "lambda"))
      if let lambda, !(lambda.isFinite && lambda >= 0) { throw fail("lambda must be a finite number ≥ 0") }
      var view: View?
      if let show = try entry.decodeIfPresent(String.self, forKey: Key(stringValue: "show")) {
        guard let parsed = View(rawValue: show) else {
          throw fail("show: '\(show)' is not one of " + View.allCases.map(\.rawValue).joined(separator: ", "))
        }
        view = parsed
      }
      cues.append(
        Cue(
          position: position, say: say,
          pause: try entry.decodeIfPresent(Bool.self, forKey: Key(stringValue: "pause")) ?? true,
          lambda: lambda, show: view,
          recomputeSpectrum: try entry.decodeIfPresent(Bool.self, forKey: Key(stringValue: "spectrum")) ?? false))
    }
    guard !cues.isEmpty else {
      throw DecodingError.dataCorrupted(
        DecodingError.Context(codingPath: root.codingPath, debugDescription: "the script has no steps"))
    }
    self.init(title: title, cues: cues)
  }

  private static func rejectUnknownKeys(_ container: KeyedDecodingContainer<Key>, allowed: [String]) throws {
    for key in container.allKeys where !allowed.contains(key.stringValue) {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: container, debugDescription: "unknown key (expected " + allowed.joined(separator: ", ") + ")")
    }
  }
}

extension String {
  /// The string without leading and trailing spaces and newlines.
  fileprivate var trimmingSpaces: Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
    guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
      return ""
    }
    return self[first...last]
  }
}
