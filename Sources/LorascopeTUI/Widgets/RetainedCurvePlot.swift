import Foundation

/// A retained fraction against λ on a log λ axis (the predicted λ curve of Docs/Math.md §45): the
/// predicted curve as a line, the λ in force as a dotted vertical rule, and realized points (a
/// race's ‖Δ_λ‖_H/‖Δ_0‖_H) as markers over it. y runs from 0 to 1 (further up when a point keeps
/// more than all of its update). λ ≤ 0 cannot sit on the axis: the legend names such a λ instead.
struct RetainedCurvePlot {
  /// x = λ > 0, y = predicted retained fraction, ascending in λ.
  var predicted: [ChartPoint]
  /// x = λ, y = realized retained fraction.
  var realized: [ChartPoint]
  /// The λ in force.
  var lambda: Double?

  /// Where `point` (x = log10 λ, y) falls in `plot`'s cells, nil outside `bounds`.
  static func cell(of point: ChartPoint, plot: Rect, bounds: LineChart.Bounds) -> (row: Int, col: Int)? {
    let fx = (point.x - bounds.xMin) / (bounds.xMax - bounds.xMin)
    let fy = (bounds.yMax - point.y) / (bounds.yMax - bounds.yMin)
    guard fx.isFinite, fy.isFinite, (0...1).contains(fx), (0...1).contains(fy) else { return nil }
    return (plot.row + Int((fy * Double(plot.height - 1)).rounded()), plot.col + Int((fx * Double(plot.width - 1)).rounded()))
  }

  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard rect.width >= 16, rect.height >= 4 else { return }
    let curve = predicted.filter { $0.x > 0 && $0.x.isFinite && $0.y.isFinite }
    guard let low = curve.map(\.x).min(), let high = curve.map(\.x).max(), high > low else {
      CenteredMessage.draw("no predicted curve", into: &canvas, rect: rect, glyphs: glyphs)
      return
    }
    let points = realized.filter { $0.x > 0 && $0.x.isFinite && $0.y.isFinite }
    let top = max(1, (curve + points).map(\.y).max() ?? 1)
    let bounds = LineChart.Bounds(xMin: Foundation.log10(low), xMax: Foundation.log10(high), yMin: 0, yMax: top)
    drawLegend(into: &canvas, row: rect.row, rect: rect, bounds: bounds, glyphs: glyphs)
    let topLabel = NumberFormat.compact(top, significant: 2)
    let labelWidth = max(DisplayWidth.of(topLabel), 1)
    let axisCol = rect.col + labelWidth
    let plot = Rect(row: rect.row + 1, col: axisCol + 1, width: rect.right - axisCol - 1, height: rect.height - 2)
    guard plot.width >= 4, plot.height >= 2 else { return }
    for r in plot.row..<plot.bottom { canvas.put(row: r, col: axisCol, text: String(glyphs.vertical), style: .dim) }
    canvas.put(row: plot.row, col: rect.col, text: DisplayWidth.pad(topLabel, to: labelWidth, alignRight: true), style: .dim)
    canvas.put(row: plot.bottom - 1, col: rect.col, text: DisplayWidth.pad("0", to: labelWidth, alignRight: true), style: .dim)
    // The x axis: corner, the grid's smallest and largest λ, the caption between them.
    let axisRow = plot.bottom
    let line = Rect(row: axisRow, col: plot.col, width: plot.width, height: 1)
    canvas.put(row: axisRow, col: axisCol, text: String(glyphs.axisCorner), style: .dim)
    let left = NumberFormat.compact(low, significant: 2)
    let right = NumberFormat.compact(high, significant: 2)
    canvas.put(row: axisRow, col: plot.col, text: left, style: .dim, clippedTo: line)
    canvas.put(row: axisRow, col: plot.right - DisplayWidth.of(right), text: right, style: .dim, clippedTo: line)
    let caption = glyphs.text("λ →, log · retained ↑")
    if DisplayWidth.of(caption) <= plot.width - DisplayWidth.of(left) - DisplayWidth.of(right) - 2 {
      canvas.put(row: axisRow, col: plot.col + (plot.width - DisplayWidth.of(caption)) / 2, text: caption, style: .dim)
    }
    var raster = DotRaster(plot: plot, mode: glyphs.mode)
    if let lambda, lambda > 0 {
      let x = Foundation.log10(lambda)
      if x >= bounds.xMin && x <= bounds.xMax {
        raster.plot([ChartPoint(x: x, y: 0), ChartPoint(x: x, y: top)], series: 2, bounds: bounds, scale: .linear)
      }
    }
    raster.plot(curve.map { ChartPoint(x: Foundation.log10($0.x), y: $0.y) }, series: 0, bounds: bounds, scale: .linear)
    raster.render(into: &canvas, glyphs: glyphs)
    // Realized points over everything, one marker a cell.
    let marker = glyphs.unicode ? "●" : "o"
    for p in points {
      guard let at = Self.cell(of: ChartPoint(x: Foundation.log10(p.x), y: p.y), plot: plot, bounds: bounds) else { continue }
      canvas.put(row: at.row, col: at.col, text: marker, style: .series(1))
    }
  }

  /// "─ predicted · ● raced · ┆ λ 2": what each mark is, and where the λ in force is when the
  /// axis cannot show it.
  private func drawLegend(into canvas: inout some Canvas, row: Int, rect: Rect, bounds: LineChart.Bounds, glyphs: GlyphSet) {
    var parts: [(String, CellStyle)] = [(glyphs.legendLines[0], .series(0)), (" predicted", .normal)]
    if !realized.isEmpty {
      parts += [(" · ", .dim), (glyphs.unicode ? "●" : "o", .series(1)), (" raced", .normal)]
    }
    if let lambda {
      let x = lambda > 0 ? Foundation.log10(lambda) : -Double.infinity
      let where_ = x < bounds.xMin ? " (left of the axis)" : (x > bounds.xMax ? " (right of the axis)" : "")
      parts += [(" · ", .dim), (glyphs.legendLines[2], .series(2)),
                (" λ " + NumberFormat.compact(lambda, significant: 3) + where_, .normal)]
    }
    var col = rect.col
    let line = Rect(row: row, col: rect.col, width: rect.width, height: 1)
    for (text, style) in parts {
      col += canvas.put(row: row, col: col, text: glyphs.text(text), style: style, clippedTo: line)
    }
  }
}
