/// The one-line entry behind `L` ("type an exact λ"): digits, a point, an
/// exponent and a sign; Enter accepts a finite λ ≥ 0, Esc keeps the old one.
///
/// It reads events through the key table's `.edit` context, so Enter, Esc,
/// Ctrl-L and Ctrl-C mean there what the table says.
public struct NumberEntry: Sendable, Equatable {
  /// What happened after one event.
  public enum Outcome: Equatable, Sendable {
    /// Still typing (the text may have changed).
    case editing
    /// Enter with a valid number.
    case confirmed(Double)
    /// Enter with a valid list (an entry made with `acceptsList`).
    case confirmedList([Double])
    /// Esc: leave the entry, keep the old value.
    case cancelled
    /// Another action of the edit context (quit, repaint) for the app to run.
    case action(Action)
  }

  /// The label before the text ("λ").
  public var prompt: String
  /// What has been typed.
  public private(set) var text: String
  /// Why the last Enter was refused, until the next edit.
  public private(set) var error: String?
  /// Whether the entry takes a comma-separated list ("0, 2e4, 1e5": the race's λ values).
  public let acceptsList: Bool
  /// The longest text accepted.
  public static let maximumLength = 24
  /// The longest list text accepted (four λ with exponents and separators).
  public static let maximumListLength = 48

  public init(prompt: String = "λ", text: String = "", acceptsList: Bool = false) {
    self.prompt = prompt
    self.acceptsList = acceptsList
    self.text = String(text.prefix(acceptsList ? NumberEntry.maximumListLength : NumberEntry.maximumLength))
  }

  /// The typed list's numbers, or why it is not a list of finite numbers ≥ 0.
  static func parseList(_ text: String) -> Result<[Double], ListError> {
    let parts = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    guard !parts.isEmpty else { return .failure(ListError(message: "type numbers separated by commas")) }
    var values: [Double] = []
    for part in parts {
      guard let value = Double(part), value.isFinite, value >= 0 else {
        return .failure(ListError(message: "not a number ≥ 0: \(part)"))
      }
      values.append(value)
    }
    return .success(values)
  }

  struct ListError: Error, Equatable {
    var message: String
  }

  /// Applies one input event.
  public mutating func handle(_ event: TerminalEvent, keyMap: KeyMap = .standard) -> Outcome {
    if let action = keyMap.action(for: event, context: .edit) {
      switch action {
      case .editConfirm:
        if acceptsList {
          switch NumberEntry.parseList(text) {
          case .success(let values): return .confirmedList(values)
          case .failure(let failure):
            error = failure.message
            return .editing
          }
        }
        guard let value = Double(text), value.isFinite, value >= 0 else {
          error = text.isEmpty ? "type a number" : "not a number ≥ 0: \(text)"
          return .editing
        }
        return .confirmed(value)
      case .editCancel: return .cancelled
      default: return .action(action)
      }
    }
    switch event {
    case .key(.named(.backspace)):
      if !text.isEmpty { text.removeLast() }
      error = nil
    case .key(.character(let c)) where "0123456789.eE+-".contains(c) || (acceptsList && ", ".contains(c)):
      if text.count < (acceptsList ? NumberEntry.maximumListLength : NumberEntry.maximumLength) { text.append(c) }
      error = nil
    default:
      break
    }
    return .editing
  }

  /// Draws "λ = 0.25▏  Enter set · Esc cancel" (or the error) on one line.
  public func draw(
    into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet, keyMap: KeyMap = .standard
  ) {
    guard rect.height >= 1, rect.width >= 4 else { return }
    let line = Rect(row: rect.row, col: rect.col, width: rect.width, height: 1)
    canvas.clear(line)
    var col = rect.col
    col += canvas.put(row: rect.row, col: col, text: glyphs.text(prompt) + " = ", style: .accent, clippedTo: line)
    col += canvas.put(row: rect.row, col: col, text: text, style: .normal, clippedTo: line)
    col += canvas.put(row: rect.row, col: col, text: glyphs.unicode ? "▏" : "_", style: .accent, clippedTo: line)
    col += 2
    if let error {
      canvas.put(row: rect.row, col: col, text: glyphs.text(error), style: .bad, clippedTo: line)
    } else {
      let hint = KeyBar(keyMap: keyMap, context: .edit)
      hint.draw(
        into: &canvas, rect: Rect(row: rect.row, col: col, width: rect.right - col, height: 1), glyphs: glyphs,
        clearLine: false)
    }
  }
}
