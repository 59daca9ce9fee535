import LorascopeTUI

/// Renders into a fresh buffer of `rows` × `cols`; the closure gets the whole area.
func render(rows: Int, cols: Int, _ draw: (inout CellBuffer, Rect) -> Void) -> CellBuffer {
  var buffer = CellBuffer(size: TerminalSize(rows: rows, cols: cols))
  draw(&buffer, Rect(row: 0, col: 0, width: cols, height: rows))
  return buffer
}

/// The loss curves used by the chart goldens: CE falls, the penalty rises.
let goldenLossSeries = [
  ChartSeries(name: "CE", values: [4, 3, 2.5, 2.2, 2.0, 1.9, 1.85, 1.8]),
  ChartSeries(name: "pen", values: [0, 0.5, 1.0, 1.2, 1.3, 1.3, 1.35, 1.4]),
]

/// ρ_k = 10^(2 − k/2) for k = 0…11, given in ascending order on purpose.
let goldenRho: [Double] = [
  100, 31.6227766, 10, 3.16227766, 1, 0.316227766, 0.1, 0.0316227766, 0.01,
  0.00316227766, 0.001, 0.000316227766,
].reversed()
