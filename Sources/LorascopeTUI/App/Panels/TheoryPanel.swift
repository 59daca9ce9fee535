import LorascopeEngine

/// Predicted vs realized (issue 11 item 3, issue 23 item 4; Docs/Math.md §31, the check
/// `lorascope verify` runs): stage t retrained from v_{t−1} with λ = 0 and with the λ in force,
/// both displacements projected on the generalized directions q_k whose predicted w_k lies in
/// 0.05–0.95 (the ones that can test the model); each is a dot at (predicted w_k, realized
/// c_k(λ)/c_k(0)) on log-log axes, the diagonal is where the quadratic model holds. Beside it how
/// many directions fall in each band, the correlation, ‖Δ_λ‖/‖Δ_0‖, and the verdict in words —
/// or why nothing can be checked at this λ. The title names the λ the check trained with.
struct TheoryPanel {
  let theory: TheoryPanelState

  /// Below this width the numbers go under the scatter instead of beside it.
  static let sideBySideWidth = 100
  /// The scatter's smallest height when the words go under it.
  static let minimumPlotRows = 6

  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let title = "Predicted w_k vs realized" + (theory.stage.map { " · stage \($0)" } ?? "")
      + ((theory.check?.lambda ?? theory.lambda).map { " · λ \(NumberFormat.compact($0, significant: 4))" } ?? "")
    let inner = Box(title: title, trailer: trailer).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    switch theory.status {
    case .idle:
      CenteredMessage.draw("v checks the last finished stage", into: &canvas, rect: inner, glyphs: glyphs)
      return
    case .unavailable(let reason):
      CenteredMessage.draw(reason, into: &canvas, rect: inner, glyphs: glyphs, style: .warn)
      return
    case .failed(let message):
      CenteredMessage.draw("the check stopped: \(message)", into: &canvas, rect: inner, glyphs: glyphs, style: .bad)
      return
    case .cancelled where theory.check == nil:
      CenteredMessage.draw("the check was left before the end", into: &canvas, rect: inner, glyphs: glyphs)
      return
    case .retraining, .solving:
      CenteredMessage.draw(progressText, into: &canvas, rect: inner, glyphs: glyphs)
      return
    default:
      break
    }
    guard let check = theory.check else { return }
    let plot = ScatterPlot(
      points: check.directions.map { ChartPoint(x: $0.predicted, y: $0.realized) }, xLabel: "predicted w_k",
      yLabel: "realized",
      emptyMessage: check.bands.uncheckableReason ?? "no testable direction has a positive realized ratio to plot")
    let textLines = Self.summary(check, omitted: plot.omitted, stageLambda: theory.stageLambda)
    let plotRect: Rect
    let textRect: Rect
    if inner.width >= Self.sideBySideWidth {
      let textWidth = min(48, inner.width / 3)
      plotRect = Rect(row: inner.row, col: inner.col, width: inner.width - textWidth - 1, height: inner.height)
      textRect = Rect(row: inner.row, col: plotRect.right + 1, width: textWidth, height: inner.height)
    } else {
      // The words need their room (the verdict is the point); the scatter keeps at least 6 rows.
      let needed = textLines.reduce(0) { $0 + WordWrap.lines(glyphs.text($1.0), width: inner.width).count }
      let textHeight = max(0, min(needed, inner.height - Self.minimumPlotRows))
      plotRect = Rect(row: inner.row, col: inner.col, width: inner.width, height: inner.height - textHeight)
      textRect = Rect(row: plotRect.bottom, col: inner.col, width: inner.width, height: textHeight)
    }
    plot.draw(into: &canvas, rect: plotRect, glyphs: glyphs)
    var row = textRect.row
    for (text, style) in textLines {
      for line in WordWrap.lines(glyphs.text(text), width: textRect.width) {
        guard row < textRect.bottom else { return }
        canvas.put(row: row, col: textRect.col, text: line, style: style, clippedTo: textRect)
        row += 1
      }
    }
  }

  var trailer: String {
    switch theory.status {
    case .retraining: return "retraining \(theory.stepsTaken)/\(theory.totalSteps) · main run paused"
    case .solving: return "solving the spectrum"
    case .finished: return "v/Esc leaves"
    default: return ""
    }
  }

  var progressText: String {
    switch theory.status {
    case .retraining:
      return "retraining stage \(theory.stage ?? 0) from v_{t−1} with λ = 0 and λ = "
        + NumberFormat.compact(theory.lambda ?? 0, significant: 4)
        + " in lockstep: step \(theory.stepsTaken) of \(theory.totalSteps)"
    default:
      return "measuring Σ at v_{t−1} and solving for ρ_k, q_k…"
    }
  }

  /// The numbers and the verdict in words, one paragraph each.
  static func summary(_ check: TheoryCheck, omitted: Int, stageLambda: Double? = nil) -> [(String, CellStyle)] {
    var lines: [(String, CellStyle)] = []
    let b = check.bands
    lines.append(("w_k < 0.05: \(b.below) · 0.05–0.95: \(b.testable) · > 0.95: \(b.above)", .normal))
    let correlation = check.correlation.map { NumberFormat.fixed($0, decimals: 3) } ?? "undefined"
    lines.append(("corr(w_k, realized) \(correlation)", .normal))
    lines.append(("‖Δ_λ‖/‖Δ_0‖ \(NumberFormat.fixed(check.displacementRatio, decimals: 4)) (H-norm)", .normal))
    lines.append(("\(check.directions.count) of \(b.testable) testable compared, Σ \(check.fisher.title)", .dim))
    if omitted > 0 { lines.append(("\(omitted) off the log axes (realized ≤ 0 or undefined)", .dim)) }
    if let stageLambda, stageLambda != check.lambda {
      lines.append((
        "the run trained this stage at λ \(NumberFormat.compact(stageLambda, significant: 4)); the check retrained it"
          + " at the λ now set", .dim))
    }
    let gap = check.medianGap.map { NumberFormat.fixed($0, decimals: 3) } ?? "–"
    switch check.agreement {
    case .cannotBeChecked:
      lines.append(((b.uncheckableReason ?? "cannot be checked at this λ") + ".", .warn))
    case .holds:
      let factor = check.medianFactor.map { ", realized/w_k " + NumberFormat.compact($0, significant: 2) } ?? ""
      lines.append(("The quadratic model holds here: realized ratios follow w_k (median gap \(gap)\(factor)).", .good))
    case .scatters:
      lines.append((
        "Realized ratios scatter around w_k (median gap \(gap)): large AdamW steps and a non-convex loss"
          + " take training outside the quadratic model's range.", .warn))
    case .breaksAtLargeLambda:
      let excess = check.medianExcess.map { NumberFormat.fixed($0, decimals: 2) } ?? "–"
      let factor = check.medianFactor.map { " (" + NumberFormat.compact($0, significant: 2) + "× w_k)" } ?? ""
      lines.append((
        "The quadratic picture breaks at this λ: directions keep \(excess) more of their free"
          + " displacement than w_k predicts\(factor), in the median. AdamW moves every coordinate by about lr per step"
          + " whatever its curvature, so a stiff direction is held only to about ±lr around the anchor,"
          + " not pulled to w_k·c_k(0).", .bad))
    case .tooFewDirections:
      lines.append(("Fewer than 3 testable directions have a defined ratio: no verdict.", .dim))
    }
    return lines
  }
}
