/// A scatter plot on log-log axes with the diagonal y = x drawn dotted (the predicted-vs-realized
/// panel: predicted w_k across, realized c_k(λ)/c_k(0) up; on the diagonal the quadratic model
/// of Docs/Design.md §3 holds exactly). Braille puts 2×4 dots in a cell, block mode 1×2, ASCII
/// one marker. Points with a coordinate ≤ 0 or not finite cannot sit on a log axis: they are
/// counted (`omitted`) so the panel can say how many were left out.
public struct ScatterPlot: Sendable {
  public var points: [ChartPoint]
  public var xLabel: String
  public var yLabel: String
  public var emptyMessage: String

  public init(points: [ChartPoint], xLabel: String, yLabel: String, emptyMessage: String = "no points") {
    self.points = points
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.emptyMessage = emptyMessage
  }

  /// Points that can be drawn on log axes.
  public var plottable: [ChartPoint] {
    points.filter { $0.x.isFinite && $0.y.isFinite && $0.x > 0 && $0.y > 0 }
  }

  /// Points left out (a coordinate ≤ 0 or undefined).
  public var omitted: Int { points.count - plottable.count }

  /// The shared log10 range of both axes (one range, so the diagonal is the diagonal), padded
  /// by a tenth of a decade; `nil` without a plottable point.
  func logRange() -> ClosedRange<Double>? {
    let logs = plottable.flatMap { [$0.x.log10Value, $0.y.log10Value] }
    guard var low = logs.min(), var high = logs.max() else { return nil }
    if high - low < 0.2 {
      let middle = (high + low) / 2
      low = middle - 0.1
      high = middle + 0.1
    }
    return (low - 0.05)...(high + 0.05)
  }

  public func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard rect.width >= 10, rect.height >= 4 else { return }
    guard let range = logRange() else {
      CenteredMessage.draw(emptyMessage, into: &canvas, rect: rect, glyphs: glyphs)
      return
    }
    let top = NumberFormat.compact(NumberFormat.power10Real(range.upperBound))
    let bottom = NumberFormat.compact(NumberFormat.power10Real(range.lowerBound))
    let labelWidth = max(DisplayWidth.of(top), DisplayWidth.of(bottom))
    let axisCol = rect.col + labelWidth
    let plotRows = rect.height - 1
    let plot = Rect(row: rect.row, col: axisCol + 1, width: rect.right - axisCol - 1, height: plotRows)
    guard plot.width >= 4, plot.height >= 2 else { return }
    for r in plot.row..<plot.bottom { canvas.put(row: r, col: axisCol, text: String(glyphs.vertical), style: .dim) }
    canvas.put(row: plot.row, col: rect.col, text: DisplayWidth.pad(top, to: labelWidth, alignRight: true), style: .dim)
    canvas.put(
      row: plot.bottom - 1, col: rect.col, text: DisplayWidth.pad(bottom, to: labelWidth, alignRight: true), style: .dim)
    // The x axis: corner, the range's ends, and the caption between them.
    let axisRow = plot.bottom
    canvas.put(row: axisRow, col: axisCol, text: String(glyphs.axisCorner), style: .dim)
    let line = Rect(row: axisRow, col: plot.col, width: plot.width, height: 1)
    canvas.put(row: axisRow, col: plot.col, text: bottom, style: .dim, clippedTo: line)
    canvas.put(row: axisRow, col: plot.right - DisplayWidth.of(top), text: top, style: .dim, clippedTo: line)
    let caption = glyphs.text("\(xLabel) →, \(yLabel) ↑, log-log")
    let room = plot.width - DisplayWidth.of(bottom) - DisplayWidth.of(top) - 2
    if DisplayWidth.of(caption) <= room {
      canvas.put(row: axisRow, col: plot.col + (plot.width - DisplayWidth.of(caption)) / 2, text: caption, style: .dim)
    }
    let bounds = LineChart.Bounds(
      xMin: range.lowerBound, xMax: range.upperBound, yMin: range.lowerBound, yMax: range.upperBound)
    var raster = DotRaster(plot: plot, mode: glyphs.mode)
    // The diagonal first (dotted, series 2's look), the points over it.
    raster.plot(
      [ChartPoint(x: range.lowerBound, y: range.lowerBound), ChartPoint(x: range.upperBound, y: range.upperBound)],
      series: 2, bounds: bounds, scale: .linear)
    raster.scatter(
      plottable.map { ChartPoint(x: $0.x.log10Value, y: $0.y.log10Value) }, series: 0, bounds: bounds)
    raster.render(into: &canvas, glyphs: glyphs)
  }
}
