/// The modules laid out as the heat map shows them (Docs/Design.md §7 "layers ×
/// modules"): one row per layer and factor (L0 A, L0 B, L1 A, …), one column
/// per adapted linear (q, k, v, o, gate, up, down). Selection moves through it:
/// ←/→ along a row (and on to the next row), ↑/↓ between rows.
public struct ModuleGrid: Sendable, Equatable {
  public let rowLabels: [String]
  public let columnLabels: [String]
  /// The grid cell of every module, in module order.
  public let cells: [GridIndex]
  /// Module indices in reading order (row by row).
  private let readingOrder: [Int]

  public init(modules: [ModuleInfo]) {
    var kinds: [String] = []
    for m in modules where !kinds.contains(m.kind) { kinds.append(m.kind) }
    let layers = (modules.map(\.layer).max() ?? -1) + 1
    rowLabels = (0..<layers).flatMap { ["L\($0) A", "L\($0) B"] }
    columnLabels = kinds
    cells = modules.map { m in
      GridIndex(row: m.layer * 2 + (m.isA ? 0 : 1), col: kinds.firstIndex(of: m.kind) ?? 0)
    }
    let cellsCopy = cells
    readingOrder = modules.indices.sorted {
      (cellsCopy[$0].row, cellsCopy[$0].col) < (cellsCopy[$1].row, cellsCopy[$1].col)
    }
  }

  public var moduleCount: Int { cells.count }

  /// The module in a cell, if any.
  public func module(at cell: GridIndex) -> Int? {
    cells.firstIndex(of: cell)
  }

  /// The values laid out on the grid (NaN where no module sits).
  public func values(_ perModule: [Double]) -> [[Double]] {
    var grid = Array(
      repeating: Array(repeating: Double.nan, count: columnLabels.count), count: rowLabels.count)
    for (index, cell) in cells.enumerated() where index < perModule.count {
      grid[cell.row][cell.col] = perModule[index]
    }
    return grid
  }

  /// The next (`forward`) or previous module in reading order, wrapping around.
  public func step(from module: Int, forward: Bool) -> Int {
    guard !readingOrder.isEmpty else { return 0 }
    let position = readingOrder.firstIndex(of: module) ?? 0
    let count = readingOrder.count
    return readingOrder[(position + (forward ? 1 : count - 1)) % count]
  }

  /// The module one row down (or up) in the same column; stays put at the edge.
  public func vertical(from module: Int, down: Bool) -> Int {
    guard module >= 0, module < cells.count else { return 0 }
    let cell = cells[module]
    let target = GridIndex(row: cell.row + (down ? 1 : -1), col: cell.col)
    return self.module(at: target) ?? module
  }
}
