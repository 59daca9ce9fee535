/// One point of a chart series.
public struct ChartPoint: Hashable, Sendable {
  public var x: Double
  public var y: Double

  public init(x: Double, y: Double) {
    self.x = x
    self.y = y
  }
}

/// A named series of points (a loss curve: x = step, y = value).
public struct ChartSeries: Sendable {
  public var name: String
  public var points: [ChartPoint]

  public init(name: String, points: [ChartPoint]) {
    self.name = name
    self.points = points
  }

  /// A series whose x values are 0, 1, 2, … (or `firstX`, `firstX + 1`, …).
  public init(name: String, values: [Double], firstX: Double = 0) {
    self.name = name
    points = values.enumerated().map { ChartPoint(x: firstX + Double($0.offset), y: $0.element) }
  }
}

/// How values map to positions along an axis.
public enum AxisScale: Sendable {
  case linear
  /// Positions follow log10 of the value; values ≤ 0 are left out.
  case log10
}

/// An XY line chart of up to four series (CE, penalty, total; the λ of a race; Docs/Design.md §7).
///
/// Braille mode plots 2×4 dots per cell (the bottom/ratatui XY grid), block
/// mode 1×2 half blocks per cell, ASCII one marker per cell. Consecutive points
/// are joined with straight lines. Series are told apart by colour *and* by
/// pattern: series 1 solid, series 2 dashed, series 3 dotted, series 4 dash-dot in
/// braille and block mode, the markers `*`, `+`, `o`, `x` in ASCII; the legend shows the same sample
/// next to each name with its latest value. The y axis is labelled with its
/// maximum and minimum (and middle when there is room), optionally log10.
public struct LineChart: Sendable {
  public var series: [ChartSeries]
  public var yScale: AxisScale
  /// Caption under the x axis ("step").
  public var xLabel: String
  /// Fixed y range; `nil` fits the data.
  public var yRange: ClosedRange<Double>?
  public var showLegend: Bool
  /// Shown in the middle when there is nothing to plot.
  public var emptyMessage: String
  /// The look (colour and pattern) of each series: series i is drawn as
  /// look `styleIndices[i]`; `nil` means 0, 1, 2, … Charts that split one
  /// set of curves over two plots keep each curve's look this way.
  public var styleIndices: [Int]?

  public init(
    series: [ChartSeries], yScale: AxisScale = .linear, xLabel: String = "",
    yRange: ClosedRange<Double>? = nil, showLegend: Bool = true,
    emptyMessage: String = "no data yet", styleIndices: [Int]? = nil
  ) {
    self.series = series
    self.yScale = yScale
    self.xLabel = xLabel
    self.yRange = yRange
    self.showLegend = showLegend
    self.emptyMessage = emptyMessage
    self.styleIndices = styleIndices
  }

  /// The look of series `index`.
  func look(_ index: Int) -> Int {
    guard let styleIndices, index < styleIndices.count else { return index }
    return styleIndices[index]
  }

  public func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard rect.width >= 6, rect.height >= 2 else { return }
    var top = rect.row
    var bottom = rect.bottom
    if showLegend && rect.height >= 4 {
      drawLegend(into: &canvas, row: top, rect: rect, glyphs: glyphs)
      top += 1
    }
    let hasXAxis = bottom - top >= 4
    if hasXAxis { bottom -= 1 }
    guard let bounds = dataBounds() else {
      let text = DisplayWidth.truncate(glyphs.text(emptyMessage), to: rect.width, ellipsis: glyphs.ellipsis)
      let row = top + (bottom - top) / 2
      canvas.put(row: row, col: rect.col + (rect.width - DisplayWidth.of(text)) / 2, text: text, style: .dim)
      return
    }

    // Y labels and axis.
    let plotHeight = bottom - top
    let labels = yLabels(bounds: bounds, rows: plotHeight)
    let labelWidth = labels.map { DisplayWidth.of($0.text) }.max() ?? 0
    let axisCol = rect.col + labelWidth
    let plot = Rect(row: top, col: axisCol + 1, width: rect.right - axisCol - 1, height: plotHeight)
    guard plot.width >= 2, plot.height >= 1 else { return }
    for r in top..<bottom {
      canvas.put(row: r, col: axisCol, text: String(glyphs.vertical), style: .dim)
    }
    for label in labels {
      canvas.put(
        row: top + label.row, col: rect.col,
        text: DisplayWidth.pad(label.text, to: labelWidth, alignRight: true), style: .dim)
      canvas.put(row: top + label.row, col: axisCol, text: String(glyphs.axisTick), style: .dim)
    }
    if hasXAxis {
      drawXAxis(into: &canvas, row: bottom, axisCol: axisCol, plot: plot, bounds: bounds, glyphs: glyphs)
    }
    var raster = DotRaster(plot: plot, mode: glyphs.mode)
    for (index, s) in series.enumerated() {
      raster.plot(s.points, series: look(index), bounds: bounds, scale: yScale)
    }
    raster.render(into: &canvas, glyphs: glyphs)
  }

  // MARK: - Pieces

  /// The data range in plot coordinates (y already log10 for a log axis).
  struct Bounds {
    var xMin: Double, xMax: Double, yMin: Double, yMax: Double
  }

  func dataBounds() -> Bounds? {
    var xMin = Double.infinity, xMax = -Double.infinity
    var yMin = Double.infinity, yMax = -Double.infinity
    for s in series {
      for p in s.points {
        guard p.x.isFinite, let y = plotY(p.y) else { continue }
        xMin = min(xMin, p.x)
        xMax = max(xMax, p.x)
        yMin = min(yMin, y)
        yMax = max(yMax, y)
      }
    }
    guard xMin.isFinite else { return nil }
    if let yRange, let low = plotY(yRange.lowerBound), let high = plotY(yRange.upperBound), low < high {
      yMin = low
      yMax = high
    }
    if xMax <= xMin {
      xMin -= 0.5
      xMax += 0.5
    }
    if yMax <= yMin {  // a flat curve sits in the middle
      let pad = yScale == .log10 ? 0.5 : max(abs(yMin) * 0.1, 1e-9)
      yMin -= pad
      yMax += pad
    }
    return Bounds(xMin: xMin, xMax: xMax, yMin: yMin, yMax: yMax)
  }

  /// The plotted y of a value, or `nil` when it cannot be shown.
  func plotY(_ y: Double) -> Double? {
    guard y.isFinite else { return nil }
    switch yScale {
    case .linear: return y
    case .log10: return y > 0 ? y.log10Value : nil
    }
  }

  private func valueOfPlotY(_ y: Double) -> Double {
    yScale == .log10 ? NumberFormat.power10Real(y) : y
  }

  private func yLabels(bounds: Bounds, rows: Int) -> [(row: Int, text: String)] {
    var labels = [(row: 0, text: NumberFormat.compact(valueOfPlotY(bounds.yMax)))]
    guard rows >= 2 else { return labels }
    labels.append((row: rows - 1, text: NumberFormat.compact(valueOfPlotY(bounds.yMin))))
    if rows >= 7 {
      let middle = (rows - 1) / 2
      // The value at the centre of that row.
      let fraction = 1 - (Double(middle) + 0.5) / Double(rows)
      let y = bounds.yMin + fraction * (bounds.yMax - bounds.yMin)
      labels.append((row: middle, text: NumberFormat.compact(valueOfPlotY(y))))
    }
    return labels
  }

  private func drawXAxis(
    into canvas: inout some Canvas, row: Int, axisCol: Int, plot: Rect, bounds: Bounds, glyphs: GlyphSet
  ) {
    canvas.put(row: row, col: axisCol, text: String(glyphs.axisCorner), style: .dim)
    let left = NumberFormat.compact(bounds.xMin)
    let right = NumberFormat.compact(bounds.xMax)
    canvas.put(
      row: row, col: plot.col, text: left, style: .dim,
      clippedTo: Rect(row: row, col: plot.col, width: plot.width, height: 1))
    let rightCol = plot.right - DisplayWidth.of(right)
    if rightCol > plot.col + DisplayWidth.of(left) + 1 {
      canvas.put(row: row, col: rightCol, text: right, style: .dim)
    }
    let caption = glyphs.text(xLabel) + (yScale == .log10 ? (xLabel.isEmpty ? "" : ", ") + "log y" : "")
    let gap = rightCol - (plot.col + DisplayWidth.of(left)) - 2
    if !caption.isEmpty, DisplayWidth.of(caption) <= gap {
      let col = plot.col + (plot.width - DisplayWidth.of(caption)) / 2
      canvas.put(row: row, col: col, text: caption, style: .dim)
    }
  }

  private func drawLegend(into canvas: inout some Canvas, row: Int, rect: Rect, glyphs: GlyphSet) {
    var col = rect.col
    for (position, s) in series.enumerated() {
      let index = look(position)
      let sample =
        glyphs.mode == .ascii
        ? String(glyphs.seriesMarkers[index % glyphs.seriesMarkers.count])
        : glyphs.legendLines[index % glyphs.legendLines.count]
      let last = s.points.last { $0.y.isFinite }.map { " " + NumberFormat.compact($0.y, significant: 4) } ?? ""
      let text = glyphs.text(s.name) + last
      let needed = DisplayWidth.of(sample) + 1 + DisplayWidth.of(text) + 2
      guard col + needed - 2 <= rect.right else { break }
      let style = CellStyle.series(index)
      col += canvas.put(row: row, col: col, text: sample, style: style, clippedTo: rect)
      col += canvas.put(row: row, col: col, text: " " + text, style: .normal, clippedTo: rect) + 2
    }
  }
}

extension NumberFormat {
  /// 10^y for a real y (log-axis labels).
  static func power10Real(_ y: Double) -> Double {
    #if canImport(Glibc)
      return Glibc.pow(10, y)
    #else
      return Darwin.pow(10, y)
    #endif
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
