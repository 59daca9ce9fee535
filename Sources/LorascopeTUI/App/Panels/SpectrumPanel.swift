import LorascopeEngine

/// The spectrum ρ_k on a log axis and the weights w_k = ρ_k/(ρ_k + λ_eff)
/// (Docs/Design.md §3, §7) for the selected module or the joint view. The shift and
/// gauge directions are written apart by `SpectrumPlot`. The weights are
/// computed here from the UI's λ, so they move the instant λ changes; ρ only
/// changes when the worker delivers a new spectrum. Once the stage has a predicted λ curve
/// (Docs/Math.md §45) and the panel has the room, the curve is drawn under (or beside) the
/// spectrum with the λ in force and a finished race's realized points (`RetainedCurvePlot`).
/// The title names the λ the weights are computed at.
struct SpectrumPanel {
  /// The curve goes under the spectrum from this many plot rows on…
  static let stackedCurveRows = 14
  /// …else beside it from this width on; below both only the curve's line is shown.
  static let sideBySideCurveWidth = 70

  let state: DashboardState
  let snapshot: DashboardSnapshot

  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let spectrum = snapshot.spectrum
    var wanted = state.joint ? "joint" : shortLabel(moduleName(state.selectedModule))
    // Browsing a finished run (g), the stage of the drawn spectrum leads: it is what changes.
    if snapshot.shownStage != nil, let result = spectrum.result { wanted = "stage \(result.stage) · " + wanted }
    let lambdaText = state.usesLambda ? " · λ " + NumberFormat.compact(state.lambda, significant: 3) : ""
    let title = (rect.width >= 60 ? Panel.spectrum.title : "ρ_k and w_k") + lambdaText
    let inner = Box(title: title, trailer: wanted).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard inner.height >= 2 else { return }
    // A guidance line (λ for w* = 0.9, 0.5, 0.1) above the status line when there is room.
    let guidance = spectrum.result.flatMap {
      LambdaGuidance(resolvedRho: $0.rho, adaptedLinears: snapshot.run.adaptedLinears)
    }
    let curve = snapshot.currentLambdaCurve
    let showsGuidance = (guidance != nil || curve != nil) && state.usesLambda && inner.height >= 8
    let plotArea = Rect(
      row: inner.row, col: inner.col, width: inner.width, height: inner.height - (showsGuidance ? 2 : 1))
    let (plotRect, curveRect) = state.usesLambda && curve != nil ? Self.split(plotArea) : (plotArea, nil)
    if let curve, let curveRect {
      RetainedCurvePlot(
        predicted: curve.curve.map { ChartPoint(x: $0.lambda, y: $0.retainedH) },
        realized: Self.racePoints(snapshot.race, stage: curve.stage), lambda: state.lambda
      ).draw(into: &canvas, rect: curveRect, glyphs: glyphs)
    }
    let lambdaEff = (snapshot.run.strength(lambda: state.lambda) ?? snapshot.strength).effective
    let empty: String
    switch spectrum.status {
    case .unavailable(let why): empty = why
    case .computing(let what): empty = what
    case .failed(let why): empty = "spectrum failed: " + why
    case .idle, .ready: empty = "press e to compute the spectrum"
    }
    if let result = spectrum.result {
      let epsilon = result.eps.min().flatMap { low in result.eps.max() == low ? low : nil }
      let data = SpectrumData(
        rho: result.rho, lambdaEffective: lambdaEff, shiftRho: result.shiftRho, nullCount: result.gaugeCount,
        epsilon: epsilon, note: shortLabel(result.label),
        paperBand: state.usesLambda ? LambdaGuidance.paperEffectiveBand(adaptedLinears: snapshot.run.adaptedLinears) : nil)
      SpectrumPlot(data: data, emptyMessage: empty).draw(into: &canvas, rect: plotRect, glyphs: glyphs)
    } else {
      let failed: Bool
      if case .failed = spectrum.status { failed = true } else { failed = false }
      CenteredMessage.draw(empty, into: &canvas, rect: plotRect, glyphs: glyphs, style: failed ? .bad : .dim)
    }
    if showsGuidance {
      let row = inner.bottom - 2
      let line = Rect(row: row, col: inner.col, width: inner.width, height: 1)
      // The stage's predicted curve when there is one (what w and W use); else this module's view.
      let text = curve.map { Self.curveText($0, lambda: state.lambda) }
        ?? guidance.map { Self.guidanceText($0, joint: state.joint ? nil : spectrum.result?.jointGuidance) } ?? ""
      canvas.put(
        row: row, col: inner.col,
        text: DisplayWidth.truncate(glyphs.text(text), to: inner.width, ellipsis: glyphs.ellipsis),
        style: .accent, clippedTo: line)
    }
    drawStatus(into: &canvas, row: inner.bottom - 1, inner: inner, lambdaEff: lambdaEff, glyphs: glyphs)
  }

  /// The spectrum's and the λ curve's rectangles: stacked when tall, side by side when wide,
  /// else the spectrum alone.
  static func split(_ area: Rect) -> (Rect, Rect?) {
    if area.height >= stackedCurveRows {
      let upper = area.height - area.height * 9 / 20
      return (
        Rect(row: area.row, col: area.col, width: area.width, height: upper),
        Rect(row: area.row + upper, col: area.col, width: area.width, height: area.height - upper))
    }
    if area.width >= sideBySideCurveWidth {
      let left = area.width - area.width * 2 / 5
      return (
        Rect(row: area.row, col: area.col, width: left - 1, height: area.height),
        Rect(row: area.row, col: area.col + left, width: area.width - left, height: area.height))
    }
    return (area, nil)
  }

  /// A finished race of `stage` read as realized retained fractions: each lane's ‖Δ_λ‖_H over the
  /// λ = 0 lane's (Docs/Math.md §45, what the curve predicts), nothing without a λ = 0 lane.
  static func racePoints(_ race: RacePanelState, stage: Int) -> [ChartPoint] {
    guard let result = race.result, result.stage == stage,
      let free = result.lanes.first(where: { $0.lambda == 0 })?.displacementH, free > 0
    else { return [] }
    return result.lanes.filter { $0.lambda > 0 }.map { ChartPoint(x: $0.lambda, y: $0.displacementH / free) }
  }

  /// "λ for w=.9 2.1e3 · w=½ 1.9e4 · w=.1 1.7e5 · joint w=½ 2.6e4 (median ρ, this view)": the
  /// shown spectrum's λ(w*) and, for a module, the joint view's λ(½) beside it — one module's
  /// view of the limit, not what training will do (w predicts that).
  static func guidanceText(_ guidance: LambdaGuidance, joint: LambdaGuidance?) -> String {
    let names = [0.9: "w=.9", 0.5: "w=½", 0.1: "w=.1"]
    var parts = guidance.suggestions.map { "\(names[$0.weight] ?? "w=\($0.weight)") \(NumberFormat.compact($0.lambda, significant: 3))" }
    if let half = joint?.lambda(forWeight: 0.5) { parts.append("joint w=½ \(NumberFormat.compact(half, significant: 3))") }
    return "λ for " + parts.joined(separator: " · ") + " (median ρ, this view)"
  }

  /// "stage 2 keeps 97 % at λ 2 · 90 % at 46.3 · ½ at 701 · 10 % at 9.9e3 (predicted)": the
  /// stage's predicted λ curve (Docs/Math.md §45) read at the current λ and at the three targets.
  static func curveText(_ curve: LambdaCurve, lambda: Double) -> String {
    let now = curve.retained(atLambda: lambda).map { "\(Int(($0 * 100).rounded())) %" } ?? "?"
    let names = ["90 %", "½", "10 %"]
    let parts = zip(names, curve.suggestedLambda).compactMap { name, value in
      value.map { "\(name) at \(NumberFormat.compact($0, significant: 3))" }
    }
    return "stage \(curve.stage) keeps \(now) at λ \(NumberFormat.compact(lambda, significant: 3)) · "
      + parts.joined(separator: " · ") + " (predicted)"
  }

  /// The bottom line: how many directions follow the data at this λ, how Σ
  /// was measured, or what the worker is doing.
  private func drawStatus(into canvas: inout some Canvas, row: Int, inner: Rect, lambdaEff: Double, glyphs: GlyphSet) {
    let spectrum = snapshot.spectrum
    var text: String
    var style: CellStyle = .dim
    switch spectrum.status {
    case .computing(let what) where spectrum.result != nil:
      text = what
      style = .warn
    case .failed(let why) where spectrum.result != nil:
      text = "failed: " + why
      style = .bad
    case .unavailable(let why) where spectrum.result != nil:
      text = why
    case .computing, .failed, .unavailable:
      return  // already in the middle of the panel
    default:
      guard let result = spectrum.result else { return }
      let plastic = result.rho.filter { SpectrumData.weight(rho: $0, lambdaEffective: lambdaEff) > 0.5 }.count
      text = "w>½: \(plastic)/\(result.rho.count) · Σ \(result.fisher.abbreviation) n=\(result.probeExamples)"
      text += " · stage \(result.stage) step \(result.step)"
      if result.unresolvedShift > 0.05 {
        text += " · shift mixed in (\(NumberFormat.fixed(result.unresolvedShift, decimals: 2)))"
        style = .warn
      }
      if state.fisher != result.fisher || wantedSelectionDiffers(result) { text += " · e: recompute" }
    }
    let line = Rect(row: row, col: inner.col, width: inner.width, height: 1)
    canvas.put(
      row: row, col: inner.col,
      text: DisplayWidth.truncate(glyphs.text(text), to: inner.width, ellipsis: glyphs.ellipsis), style: style,
      clippedTo: line)
  }

  private func wantedSelectionDiffers(_ result: SpectrumSummary) -> Bool {
    state.joint ? !result.label.hasPrefix("joint") : result.label != moduleName(state.selectedModule)
  }

  private func moduleName(_ index: Int) -> String {
    index < snapshot.run.modules.count ? snapshot.run.modules[index].name : "module \(index)"
  }

  /// `layers.1.self_attn.o_proj.lora_A` → the screen's `L1 o.A`.
  private func shortLabel(_ label: String) -> String {
    snapshot.run.modules.first { $0.name == label }?.shortName ?? label
  }
}
