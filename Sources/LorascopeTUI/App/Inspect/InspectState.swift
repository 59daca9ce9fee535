import LorascopeEngine

/// What the inspect screen shows for an imported run (issue 13): the per-module penalties of
/// every stage t ≥ 1 from the adapters alone, and, when gradients were given, the spectrum of
/// one stage. No training happens: everything here is computed before the screen opens.
public struct InspectData: Sendable {
  public let runPath: String
  /// Where each stage came from (config.json of the imported run).
  public let sources: [String]
  public let adaptedLinears: Int
  /// `PenaltyInspection.inspect` rows, every stage ≥ 1 and module.
  public let rows: [ModulePenalty]
  /// The spectrum from `lorascope spectrum --gradients`, if any: its stage, label, ρ and shifts.
  public let spectrum: (stage: Int, label: String, spectrum: GeneralizedSpectrum)?

  public init(
    runPath: String, sources: [String], adaptedLinears: Int, rows: [ModulePenalty],
    spectrum: (stage: Int, label: String, spectrum: GeneralizedSpectrum)?
  ) {
    self.runPath = runPath
    self.sources = sources
    self.adaptedLinears = adaptedLinears
    self.rows = rows
    self.spectrum = spectrum
  }

  /// Stages with penalties (1…T−1).
  public var stages: [Int] { Array(Set(rows.map(\.stage))).sorted() }
}

/// The module grid of the heat map: one row per layer and factor, one column per linear kind
/// when the names hold `layers.<n>.` (any Llama-like model), else one row per linear and a
/// column per factor.
struct InspectGrid: Sendable {
  let rowLabels: [String]
  let columnLabels: [String]
  /// Module name → cell.
  let cells: [String: GridIndex]

  init(modules: [ModulePenalty]) {
    var rowKeys: [String] = []
    var colKeys: [String] = []
    var placed: [(String, String, String)] = []
    for m in modules {
      let (row, col) = Self.key(m)
      if !rowKeys.contains(row) { rowKeys.append(row) }
      if !colKeys.contains(col) { colKeys.append(col) }
      placed.append((m.module, row, col))
    }
    var cells: [String: GridIndex] = [:]
    for (name, row, col) in placed {
      cells[name] = GridIndex(row: rowKeys.firstIndex(of: row) ?? 0, col: colKeys.firstIndex(of: col) ?? 0)
    }
    rowLabels = rowKeys
    columnLabels = colKeys
    self.cells = cells
  }

  /// (row label, column label) of a module.
  static func key(_ m: ModulePenalty) -> (String, String) {
    let parts = m.linear.split(separator: ".").map(String.init)
    let leaf = (parts.last ?? m.linear).replacingOccurrences(of: "_proj", with: "")
    if let i = parts.firstIndex(of: "layers"), i + 1 < parts.count, let layer = Int(parts[i + 1]) {
      return ("L\(layer).\(m.factor)", leaf)
    }
    return (m.linear, m.factor)
  }
}

/// The screen's state: which stage and module, exact or bf16 penalty, and λ.
struct InspectState: Sendable {
  var stageIndex = 0
  var selected = GridIndex(row: 0, col: 0)
  var showBF16 = false
  var lambda: Double
  var curvatureFloor: Double
}
