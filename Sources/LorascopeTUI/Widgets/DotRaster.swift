/// The sub-cell dot grid behind `LineChart`: 2×4 dots per cell in braille
/// mode, 1×2 in block mode, 1×1 in ASCII mode.
struct DotRaster {
  let plot: Rect
  let mode: GlyphMode
  /// Dots per cell horizontally and vertically.
  let dotsAcross: Int
  let dotsDown: Int
  /// Dot bits per cell (braille bit layout in braille mode).
  private var bits: [UInt8]
  /// The series that drew last in each cell (-1 = empty).
  private var owner: [Int8]

  init(plot: Rect, mode: GlyphMode) {
    self.plot = plot
    self.mode = mode
    switch mode {
    case .braille: (dotsAcross, dotsDown) = (2, 4)
    case .block: (dotsAcross, dotsDown) = (1, 2)
    case .ascii: (dotsAcross, dotsDown) = (1, 1)
    }
    bits = Array(repeating: 0, count: plot.width * plot.height)
    owner = Array(repeating: -1, count: plot.width * plot.height)
  }

  /// Braille dot bits by (column 0–1, row 0–3): dots 1,2,3,7 then 4,5,6,8.
  private static let brailleBit: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

  /// Draws one series as joined line segments; a non-finite (or, on a log
  /// axis, non-positive) value breaks the line.
  mutating func plot(
    _ points: [ChartPoint], series: Int, bounds: LineChart.Bounds, scale: AxisScale
  ) {
    let width = plot.width * dotsAcross
    let height = plot.height * dotsDown
    guard width > 0, height > 0 else { return }
    let xSpan = bounds.xMax - bounds.xMin
    let ySpan = bounds.yMax - bounds.yMin
    var previous: (Int, Int)?
    var counter = 0
    for p in points {
      let yValue: Double?
      switch scale {
      case .linear: yValue = p.y.isFinite ? p.y : nil
      case .log10: yValue = (p.y.isFinite && p.y > 0) ? p.y.log10Value : nil
      }
      guard p.x.isFinite, let y = yValue else {
        previous = nil
        continue
      }
      let fx = (p.x - bounds.xMin) / xSpan
      let fy = (bounds.yMax - y) / ySpan
      let dx = Int((fx * Double(width - 1)).rounded())
      let dy = Int((fy * Double(height - 1)).rounded())
      guard (0..<width).contains(dx), (-height..<2 * height).contains(dy) else {
        previous = nil
        continue
      }
      let point = (dx, dy)
      line(
        from: previous ?? point, to: point, includeStart: previous == nil, series: series,
        counter: &counter)
      previous = point
    }
  }

  /// One dot per point, not joined (a scatter plot); points outside `bounds` or not finite are
  /// left out. The points are already in plot coordinates (log10 taken by the caller).
  mutating func scatter(_ points: [ChartPoint], series: Int, bounds: LineChart.Bounds) {
    let width = plot.width * dotsAcross
    let height = plot.height * dotsDown
    guard width > 0, height > 0, bounds.xMax > bounds.xMin, bounds.yMax > bounds.yMin else { return }
    for p in points where p.x.isFinite && p.y.isFinite {
      let fx = (p.x - bounds.xMin) / (bounds.xMax - bounds.xMin)
      let fy = (bounds.yMax - p.y) / (bounds.yMax - bounds.yMin)
      guard (0...1).contains(fx), (0...1).contains(fy) else { continue }
      set(Int((fx * Double(width - 1)).rounded()), Int((fy * Double(height - 1)).rounded()), series: series)
    }
  }

  /// Bresenham between two dots; `counter` runs along the whole polyline so
  /// the dash pattern continues across segments.
  private mutating func line(
    from a: (Int, Int), to b: (Int, Int), includeStart: Bool, series: Int, counter: inout Int
  ) {
    var (x, y) = a
    let (x1, y1) = b
    let dx = abs(x1 - x), dy = -abs(y1 - y)
    let sx = x < x1 ? 1 : -1, sy = y < y1 ? 1 : -1
    var error = dx + dy
    // The first dot of a joined segment is the last dot of the previous one.
    var drawThis = includeStart
    while true {
      if drawThis {
        if showsDot(series: series, counter: counter) { set(x, y, series: series) }
        counter += 1
      }
      drawThis = true
      if x == x1 && y == y1 { break }
      let e2 = 2 * error
      if e2 >= dy {
        error += dy
        x += sx
      }
      if e2 <= dx {
        error += dx
        y += sy
      }
    }
  }

  /// Solid, dashed (4 on, 2 off), dotted (1 in 3) or dash-dot (3 on, 1 off, 1 on, 1 off) by
  /// series; ASCII uses markers instead.
  private func showsDot(series: Int, counter: Int) -> Bool {
    if mode == .ascii { return true }
    switch series % CellStyle.seriesCount {
    case 0: return true
    case 1: return counter % 6 < 4
    case 2: return counter % 3 == 0
    default: return counter % 6 != 3 && counter % 6 != 5
    }
  }

  private mutating func set(_ x: Int, _ y: Int, series: Int) {
    guard y >= 0, y < plot.height * dotsDown, x >= 0, x < plot.width * dotsAcross else { return }
    let cell = (y / dotsDown) * plot.width + x / dotsAcross
    switch mode {
    case .braille: bits[cell] |= DotRaster.brailleBit[x % 2][y % 4]
    case .block: bits[cell] |= (y % 2 == 0) ? 1 : 2
    case .ascii: bits[cell] = 1
    }
    owner[cell] = Int8(truncatingIfNeeded: series)
  }

  /// Writes the cells row by row, one `put` per run of one style.
  func render(into canvas: inout some Canvas, glyphs: GlyphSet) {
    for r in 0..<plot.height {
      var runText = String.UnicodeScalarView()
      var runStyle: CellStyle = .normal
      var runStart = 0
      for c in 0..<plot.width {
        let cell = r * plot.width + c
        let style: CellStyle = owner[cell] < 0 ? .normal : .series(Int(owner[cell]))
        let scalar = glyph(bits: bits[cell], owner: Int(owner[cell]), glyphs: glyphs)
        if style != runStyle && !runText.isEmpty {
          canvas.put(row: plot.row + r, col: plot.col + runStart, text: String(runText), style: runStyle)
          runText = String.UnicodeScalarView()
          runStart = c
        }
        if runText.isEmpty { runStart = c }
        runStyle = style
        runText.append(scalar)
      }
      if !runText.isEmpty {
        canvas.put(row: plot.row + r, col: plot.col + runStart, text: String(runText), style: runStyle)
      }
    }
  }

  private func glyph(bits: UInt8, owner: Int, glyphs: GlyphSet) -> Unicode.Scalar {
    guard bits != 0 else { return " " }
    switch mode {
    case .braille: return Unicode.Scalar(0x2800 + UInt32(bits)) ?? " "
    case .block: return bits == 3 ? "█" : (bits == 1 ? "▀" : "▄")
    case .ascii:
      let marker = glyphs.seriesMarkers[owner % glyphs.seriesMarkers.count]
      return marker.unicodeScalars.first ?? "*"
    }
  }
}
