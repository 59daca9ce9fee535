import LorascopeEngine

/// The λ race on the screen (issue 11 item 4; Docs/Statistics.md "The λ race"): one CE curve per
/// λ in one chart (each with its own colour and pattern, named in the legend), each lane's
/// ‖Δ‖_H, and once the stage is evaluated each lane's NDCG@5 per block with the paired 95 %
/// interval of its difference against the first λ. It fills the body; Esc or `r` leaves it.
struct RacePanel {
  let race: RacePanelState

  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let stage = race.stage.map { "stage \($0)" } ?? ""
    let inner = Box(title: "λ race \(stage)", trailer: trailer).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    switch race.status {
    case .idle:
      CenteredMessage.draw("r races this stage at λ and λ(w*=0.5); t types the λ values", into: &canvas, rect: inner, glyphs: glyphs)
      return
    case .unavailable(let reason):
      CenteredMessage.draw(reason, into: &canvas, rect: inner, glyphs: glyphs, style: .warn)
      return
    case .failed(let message):
      CenteredMessage.draw("the race stopped: \(message)", into: &canvas, rect: inner, glyphs: glyphs, style: .bad)
      return
    default:
      break
    }
    let table = tableLines(glyphs: glyphs, width: inner.width)
    let tableHeight = min(table.count, max(0, inner.height - 6))
    let chartRect = Rect(row: inner.row, col: inner.col, width: inner.width, height: inner.height - tableHeight)
    let dotsAcross = glyphs.mode == .braille ? 2 : 1
    let series = race.lanes.map { lane -> ChartSeries in
      var ce = lane.loss.chartSeries(maxPoints: max(2, chartRect.width * dotsAcross))[0]
      ce.name = "λ " + NumberFormat.compact(lane.lambda, significant: 3)
      return ce
    }
    LineChart(series: series, xLabel: "race step, CE", emptyMessage: "copying v_{t−1} for every λ…")
      .draw(into: &canvas, rect: chartRect, glyphs: glyphs)
    for (offset, line) in table.prefix(tableHeight).enumerated() {
      canvas.put(
        row: chartRect.bottom + offset, col: inner.col, text: line.text, style: line.style,
        clippedTo: inner)
    }
  }

  /// Progress or the race's state, in the border.
  var trailer: String {
    switch race.status {
    case .preparing: return "preparing"
    case .running: return "step \(race.stepsTaken)/\(race.totalSteps) · main run paused"
    case .evaluating: return "evaluating every λ on blocks 0…\(race.stage ?? 0)"
    case .finished: return "finished · Esc leaves"
    case .cancelled: return "left before the end"
    case .idle, .unavailable, .failed: return ""
    }
  }

  /// One line per lane (λ, λ_eff, ‖Δ‖_H, NDCG@5 per block), then the differences against the
  /// first λ with their intervals, as many as fit. When every block's column does not fit in
  /// `width` (80 columns, five blocks), λ_eff goes (the header shows it) and the block columns
  /// narrow to "b0", "b1", … with the metric named once.
  func tableLines(glyphs: GlyphSet, width: Int = .max) -> [(text: String, style: CellStyle)] {
    var lines: [(text: String, style: CellStyle)] = []
    let blocks = race.result.map { $0.lanes.first?.metric.count ?? 0 } ?? 0
    let narrow = race.result != nil && 9 * 3 + 3 + 9 + blocks * 12 > width
    let blockWidth = narrow ? 6 : 11
    var header = pad("λ", 9) + (narrow ? "" : pad("λ_eff", 9)) + pad("‖Δ‖_H", 9)
    if let result = race.result {
      header += pad("val CE", 8)
      for j in 0..<blocks { header += pad(narrow ? "b\(j)" : "\(result.metricName.label) b\(j)", blockWidth) }
      if narrow { header += result.metricName.label }
    }
    lines.append((glyphs.text(header), .title))
    for (index, lane) in race.lanes.enumerated() {
      var text = pad(NumberFormat.compact(lane.lambda, significant: 4), 9)
        + (narrow ? "" : pad(NumberFormat.compact(lane.lambdaEffective, significant: 3), 9))
        + pad(lane.displacementH.map { NumberFormat.compact($0, significant: 3) } ?? "–", 9)
      if let result = race.result, index < result.lanes.count {
        text += pad(NumberFormat.fixed(result.lanes[index].validationCE, decimals: 3), 8)
        for value in result.lanes[index].metric { text += pad(NumberFormat.fixed(value, decimals: 4), blockWidth) }
      }
      lines.append((glyphs.text(text), CellStyle.series(index)))
    }
    guard let result = race.result else { return lines }
    for difference in result.differences {
      let interval = difference.interval
      let text =
        "λ \(NumberFormat.compact(difference.lambda, significant: 4)) − λ \(NumberFormat.compact(difference.against, significant: 4))"
        + " b\(difference.block): \(signed(interval.mean)) [\(signed(interval.lower)), \(signed(interval.upper))]"
        + " \(interval.verdict) (\(difference.users) users)"
      lines.append((glyphs.text(text), interval.excludesZero ? .accent : .dim))
    }
    return lines
  }

  private func pad(_ text: String, _ width: Int) -> String { DisplayWidth.pad(text, to: width) + " " }

  private func signed(_ value: Double) -> String {
    (value >= 0 ? "+" : "") + NumberFormat.fixed(value, decimals: 4)
  }
}
