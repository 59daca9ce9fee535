import LorascopeEngine

/// What the spectrum panel shows for one module or the joint view (Docs/Design.md §3).
public struct SpectrumData: Sendable {
  /// The finite generalized eigenvalues ρ_k of (Σ_t, H_ε), any order. Values ≤ 0
  /// (round-off around zero) are counted with the null cluster.
  public var rho: [Double]
  /// λ_eff = λ/|L|, the λ that meets ρ_k in w_k = ρ_k/(ρ_k + λ_eff).
  public var lambdaEffective: Double
  /// ρ of the softmax shift direction(s) (ρ ≈ O(1/ε), w → 1): shown apart, never on the axis.
  public var shiftRho: [Double]
  /// How many directions sit at ρ ≈ 0 (the LoRA gauge, ~r², and the rest of the null space).
  public var nullCount: Int
  /// The ε of H_ε = H + εI, shown on screen as Docs/Design.md §3 asks.
  public var epsilon: Double?
  /// Extra text for the header line: the Σ estimator ("empirical Fisher"), the module.
  public var note: String
  /// The λ_eff band of the paper's λ grid (`LambdaGuidance.paperEffectiveBand`), marked on
  /// the ρ axis so a user sees where the paper's λ sits against the spectrum; nil: not shown.
  public var paperBand: ClosedRange<Double>?

  public init(
    rho: [Double], lambdaEffective: Double, shiftRho: [Double] = [], nullCount: Int = 0,
    epsilon: Double? = nil, note: String = "", paperBand: ClosedRange<Double>? = nil
  ) {
    self.paperBand = paperBand
    self.rho = rho
    self.lambdaEffective = lambdaEffective
    self.shiftRho = shiftRho
    self.nullCount = nullCount
    self.epsilon = epsilon
    self.note = note
  }

  /// The interpolation weight w = ρ/(ρ + λ_eff): 1 = plasticity, 0 = stability (the engine's
  /// `ProximalStrength.weight`, with its NaN, zero and ∞ conventions).
  public static func weight(rho: Double, lambdaEffective: Double) -> Double {
    ProximalStrength.weight(rho: rho, lambdaEff: lambdaEffective)
  }

  /// The positive ρ_k, largest first.
  public var positiveDescending: [Double] {
    rho.filter { $0.isFinite && $0 > 0 }.sorted(by: >)
  }

  /// The null cluster plus any ρ ≤ 0 in `rho`.
  public var displayedNullCount: Int {
    nullCount + rho.filter { $0.isFinite && $0 <= 0 }.count
  }
}

/// ρ_k on a log10 axis, largest first, above the weights w_k = ρ_k/(ρ_k+λ_eff)
/// in a second strip; a vertical marker separates the directions with ρ ≥ λ_eff
/// (w ≥ 0.5, the new data wins) from the rest. The shift direction and the
/// gauge/null cluster are written on their own lines below, never on the axis
/// (Docs/Design.md §3). Changing λ only moves the marker and the weights.
public struct SpectrumPlot: Sendable {
  /// How each ρ_k is drawn in the upper strip.
  public enum Style: Sendable {
    case bars
    case dots
  }

  public var data: SpectrumData
  public var style: Style
  /// Shown in the middle when there is no spectrum yet.
  public var emptyMessage: String

  public init(data: SpectrumData, style: Style = .bars, emptyMessage: String = "no spectrum yet") {
    self.data = data
    self.style = style
    self.emptyMessage = emptyMessage
  }

  public func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard rect.width >= 12, rect.height >= 2 else { return }
    let rho = data.positiveDescending

    // Header line.
    var header = "ρ_k (log10) \(rho.count) dirs · λ_eff \(NumberFormat.compact(data.lambdaEffective))"
    if let epsilon = data.epsilon { header += " · ε " + NumberFormat.compact(epsilon) }
    if !data.note.isEmpty { header += " · " + data.note }
    canvas.put(
      row: rect.row, col: rect.col,
      text: DisplayWidth.truncate(glyphs.text(header), to: rect.width, ellipsis: glyphs.ellipsis),
      style: .dim)

    // Annotation lines, at the bottom and apart from the axis.
    var annotations: [String] = []
    if !data.shiftRho.isEmpty {
      let values = data.shiftRho.sorted(by: >).map { NumberFormat.compact($0) }.joined(separator: ", ")
      let w = data.shiftRho.map { SpectrumData.weight(rho: $0, lambdaEffective: data.lambdaEffective) }.min() ?? 1
      let noun = data.shiftRho.count == 1 ? "shift direction" : "shift directions (\(data.shiftRho.count))"
      annotations.append(
        "\(noun): ρ≈\(values), w≈\(NumberFormat.fixed(w, decimals: 2))")
    }
    let nullCount = data.displayedNullCount
    if nullCount > 0 {
      annotations.append("gauge/null cluster: \(nullCount) direction\(nullCount == 1 ? "" : "s") at ρ≈0 (w=0)")
    }
    if let band = data.paperBand, let top = rho.first, let bottom = rho.last {
      let where_: String
      if band.upperBound < bottom {
        where_ = "below the smallest ρ: every w > \(NumberFormat.fixed(SpectrumData.weight(rho: bottom, lambdaEffective: band.upperBound), decimals: 2))"
      } else if band.lowerBound > top {
        where_ = "above the largest ρ"
      } else {
        where_ = "marked ┃ on the ρ axis"
      }
      annotations.append(
        "paper λ 0.5–8 = λ_eff \(NumberFormat.compact(band.lowerBound))–\(NumberFormat.compact(band.upperBound)): \(where_)")
    }
    let annotationRows = min(annotations.count, max(0, rect.height - 2))
    for (i, text) in annotations.prefix(annotationRows).enumerated() {
      canvas.put(
        row: rect.bottom - annotationRows + i, col: rect.col,
        text: DisplayWidth.truncate(glyphs.text(text), to: rect.width, ellipsis: glyphs.ellipsis),
        style: .warn)
    }

    // The strips: spectrum, weights, then the k axis.
    let inner = rect.height - 1 - annotationRows - 1
    let body = Rect(row: rect.row + 1, col: rect.col, width: rect.width, height: max(0, inner + 1))
    guard !rho.isEmpty, inner >= 3 else {
      if body.height > 0 {
        let text = DisplayWidth.truncate(glyphs.text(emptyMessage), to: rect.width, ellipsis: glyphs.ellipsis)
        canvas.put(
          row: body.row + (body.height - 1) / 2, col: rect.col + (rect.width - DisplayWidth.of(text)) / 2,
          text: text, style: .dim)
      }
      return
    }
    let weightRows = max(1, inner / 3)
    let spectrumRows = inner - weightRows
    drawStrips(
      into: &canvas, rect: body, rho: rho, spectrumRows: spectrumRows, weightRows: weightRows,
      glyphs: glyphs)
  }

  private func drawStrips(
    into canvas: inout some Canvas, rect: Rect, rho: [Double], spectrumRows: Int, weightRows: Int,
    glyphs: GlyphSet
  ) {
    guard let largest = rho.first, let smallest = rho.last else { return }
    var high = largest.log10Value
    var low = smallest.log10Value
    if high - low < 1e-9 {
      high += 0.5
      low -= 0.5
    }
    // Left labels: 10^high and 10^low for ρ, 1 and 0 for w.
    let spectrumTop = NumberFormat.scientific(NumberFormat.power10Real(high), significant: 2)
    let spectrumBottom = NumberFormat.scientific(NumberFormat.power10Real(low), significant: 2)
    let labelWidth = max(DisplayWidth.of(spectrumTop), DisplayWidth.of(spectrumBottom), 3)
    let axisCol = rect.col + labelWidth
    let plotLeft = axisCol + 1
    let dataColumns = rect.right - plotLeft - 1  // one column is the ρ = λ marker
    guard dataColumns >= 2 else { return }
    let weightTop = rect.row + spectrumRows

    func label(_ text: String, row: Int) {
      canvas.put(row: row, col: rect.col, text: DisplayWidth.pad(text, to: labelWidth, alignRight: true), style: .dim)
      canvas.put(row: row, col: axisCol, text: String(glyphs.axisTick), style: .dim)
    }
    for r in rect.row..<(weightTop + weightRows) {
      canvas.put(row: r, col: axisCol, text: String(glyphs.vertical), style: .dim)
    }
    label(spectrumTop, row: rect.row)
    label(spectrumBottom, row: weightTop - 1)
    // The paper's λ_eff band on the ρ axis: the rows whose log10 ρ range meets it.
    if let band = data.paperBand, band.upperBound > 0 {
      let bandLow = max(band.lowerBound, .leastNonzeroMagnitude).log10Value, bandHigh = band.upperBound.log10Value
      for r in 0..<spectrumRows {
        let rowHigh = high - Double(r) / Double(spectrumRows) * (high - low)
        let rowLow = high - Double(r + 1) / Double(spectrumRows) * (high - low)
        if bandHigh >= rowLow && bandLow <= rowHigh {
          canvas.put(row: rect.row + r, col: axisCol, text: glyphs.unicode ? "┃" : "#", style: .accent)
        }
      }
    }
    label("w 1", row: weightTop)
    if weightRows >= 2 { label("0", row: weightTop + weightRows - 1) }

    // Column j shows the largest ρ of its bin (the first, as ρ is sorted).
    let columns = min(rho.count, dataColumns)
    let aboveLambda = rho.filter { $0 >= data.lambdaEffective }.count
    let markerSlot = aboveLambda == 0 ? 0 : (aboveLambda - 1) * columns / rho.count + 1
    let markerCol = plotLeft + markerSlot
    for j in 0..<columns {
      let k = j * rho.count / columns
      let value = rho[k]
      let col = plotLeft + j + (j >= markerSlot ? 1 : 0)
      let f = (value.log10Value - low) / (high - low)
      drawColumn(
        into: &canvas, col: col, top: rect.row, rows: spectrumRows, fraction: f, minimumVisible: true,
        dots: style == .dots, cellStyle: .series1, glyphs: glyphs)
      let w = SpectrumData.weight(rho: value, lambdaEffective: data.lambdaEffective)
      drawColumn(
        into: &canvas, col: col, top: weightTop, rows: weightRows, fraction: w, minimumVisible: false,
        dots: false, cellStyle: .series2, glyphs: glyphs)
    }
    // The ρ = λ_eff marker through both strips, labelled on the k axis row.
    for r in rect.row..<(weightTop + weightRows) {
      canvas.put(row: r, col: markerCol, text: String(glyphs.vertical), style: .warn)
    }
    let axisRow = weightTop + weightRows
    let markerLabel = glyphs.text("ρ=λ")
    let markerWidth = DisplayWidth.of(markerLabel)
    let markerStart = markerCol + markerWidth <= rect.right ? markerCol : markerCol - markerWidth + 1
    let firstLabel = "k=1"
    let lastLabel = "\(rho.count)"
    let lastCol = plotLeft + columns  // the last data column
    if markerStart > plotLeft + DisplayWidth.of(firstLabel) {
      canvas.put(row: axisRow, col: plotLeft, text: firstLabel, style: .dim)
    }
    if lastCol - DisplayWidth.of(lastLabel) + 1 > markerStart + markerWidth {
      canvas.put(row: axisRow, col: lastCol - DisplayWidth.of(lastLabel) + 1, text: lastLabel, style: .dim)
    }
    canvas.put(row: axisRow, col: markerStart, text: markerLabel, style: .warn, clippedTo: rect)
  }

  /// A vertical bar (or one dot) filling `fraction` of `rows` rows, in eighths.
  private func drawColumn(
    into canvas: inout some Canvas, col: Int, top: Int, rows: Int, fraction: Double,
    minimumVisible: Bool, dots: Bool, cellStyle: CellStyle, glyphs: GlyphSet
  ) {
    let f = min(max(fraction.isFinite ? fraction : 0, 0), 1)
    if dots {
      // One mark at the height of the value: a braille dot (4 per cell),
      // a half block (2 per cell) or 'o'.
      let steps = glyphs.mode == .braille ? 4 : (glyphs.mode == .block ? 2 : 1)
      let level = Int((f * Double(rows * steps - 1)).rounded())  // 0 = bottom
      let fromTop = rows * steps - 1 - level
      let row = top + fromTop / steps
      let sub = fromTop % steps
      let glyph: String
      switch glyphs.mode {
      case .braille:
        let bit = UInt32([0x01, 0x02, 0x04, 0x40][sub])
        glyph = String(Unicode.Scalar(0x2800 + bit).map(Character.init) ?? "o")
      case .block: glyph = sub == 0 ? "▀" : "▄"
      case .ascii: glyph = "o"
      }
      canvas.put(row: row, col: col, text: glyph, style: cellStyle)
      return
    }
    let total = rows * 8
    var eighths = Int((f * Double(total)).rounded())
    if minimumVisible { eighths = max(eighths, 1) }
    if glyphs.mode == .ascii { eighths = (eighths + 4) / 8 * 8 }
    if minimumVisible && glyphs.mode == .ascii { eighths = max(eighths, 8) }
    for r in 0..<rows {
      let fromBottom = rows - 1 - r
      let filled = eighths - fromBottom * 8
      guard filled > 0 else { continue }
      let glyph = glyphs.verticalEighths[min(filled, 8) - 1]
      canvas.put(row: top + r, col: col, text: String(glyph), style: cellStyle)
    }
  }
}
