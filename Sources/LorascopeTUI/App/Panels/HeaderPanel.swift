/// The header (Docs/Design.md §7): data, method, λ and λ_eff, stage and step,
/// steps/s and the BLAS kernel on the first row; on tall terminals a second
/// row with what the engine is doing, the model and the last event.
///
/// Segments are separated by a rule and dropped by priority when the row is
/// too narrow, so λ and the step survive on an 80-column terminal.
struct HeaderPanel {
  let state: DashboardState
  let snapshot: DashboardSnapshot

  /// One piece of a header row; lower `priority` numbers stay longest.
  struct Segment {
    var text: String
    var style: CellStyle
    var priority: Int
  }

  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard rect.height >= 1 else { return }
    let dropped = drawRow(firstRow(), into: &canvas, row: rect.row, rect: rect, glyphs: glyphs)
    if rect.height >= 2 {
      // What did not fit on the first row leads the second one.
      let moved = dropped.map { Segment(text: $0.text, style: $0.style, priority: 1) }
      let second = secondRow()
      drawRow(Array(second.prefix(1)) + moved + second.dropFirst(), into: &canvas, row: rect.row + 1, rect: rect, glyphs: glyphs)
    }
  }

  func firstRow() -> [Segment] {
    let run = snapshot.run
    var segments = [Segment(text: "lorascope", style: .title, priority: 0)]
    segments.append(Segment(text: "\(run.dataName) (\(run.blocks) blocks)", style: .normal, priority: 5))
    segments.append(Segment(text: run.method.rawValue, style: .normal, priority: 2))
    if state.usesLambda {
      let lambda = NumberFormat.compact(state.lambda, significant: 4)
      let effective = run.strength(lambda: state.lambda).map { NumberFormat.compact($0.effective, significant: 3) } ?? "?"
      segments.append(Segment(text: "λ \(lambda) · λ_eff \(effective)", style: .accent, priority: 0))
    } else {
      segments.append(Segment(text: "λ n/a", style: .dim, priority: 1))
    }
    if state.usesLambda, state.lambda > 0, let ratio = snapshot.inertness.typicalRatio {
      if snapshot.inertness.isInert {
        segments.append(Segment(
          text: "λ inert: penalty gradient \(NumberFormat.powerOfTen(ratio)) of CE's", style: .warn, priority: 1))
      } else {
        segments.append(Segment(
          text: "∇P/∇CE \(NumberFormat.compact(ratio, significant: 2))", style: .normal, priority: 4))
      }
    }
    segments.append(Segment(text: stageText(), style: .normal, priority: 1))
    if let phase = snapshot.phase {
      segments.append(Segment(text: "step \(phase.step)/\(phase.totalSteps)", style: .normal, priority: 1))
    }
    if let rate = snapshot.stepsPerSecond {
      segments.append(Segment(text: NumberFormat.fixed(rate, decimals: 1) + " steps/s", style: .normal, priority: 3))
    }
    segments.append(Segment(text: "BLAS \(run.kernel)", style: .dim, priority: 4))
    return segments
  }

  func secondRow() -> [Segment] {
    let activity = snapshot.activity
    let style: CellStyle
    switch activity {
    case .running: style = .good
    case .paused, .finished: style = .warn
    case .evaluating, .preparing: style = .accent
    }
    var segments = [Segment(text: "● " + activity.label, style: style, priority: 0)]
    if snapshot.error != nil {
      segments.append(Segment(text: "engine stopped on an error", style: .bad, priority: 0))
    }
    if let notice = state.notice { segments.append(Segment(text: notice, style: .warn, priority: 1)) }
    if !snapshot.status.isEmpty { segments.append(Segment(text: snapshot.status, style: .normal, priority: 2)) }
    segments.append(Segment(text: snapshot.run.modelText, style: .dim, priority: 3))
    if let dir = snapshot.run.runDirectory { segments.append(Segment(text: "run " + dir, style: .dim, priority: 4)) }
    return segments
  }

  /// "stage 1/4 adapter": the stage out of the last one (stages count from 0).
  private func stageText() -> String {
    let last = max(0, snapshot.run.blocks - 1)
    if snapshot.stage >= snapshot.run.blocks { return "all \(snapshot.run.blocks) stages done" }
    var text = "stage \(snapshot.stage)/\(last)"
    if let phase = snapshot.phase {
      switch phase.phase {
      case .backbone: text += " backbone"
      case .adapterWarmStart: text += " warm start"
      case .adapter: text += " adapter"
      }
    }
    return text
  }

  /// Draws the segments that fit, in order; returns the ones left out.
  @discardableResult
  private func drawRow(
    _ all: [Segment], into canvas: inout some Canvas, row: Int, rect: Rect, glyphs: GlyphSet
  ) -> [Segment] {
    let separator = glyphs.unicode ? " │ " : " | "
    func width(_ segments: [Segment]) -> Int {
      segments.reduce(0) { $0 + DisplayWidth.of(glyphs.text($1.text)) }
        + max(0, segments.count - 1) * DisplayWidth.of(separator)
    }
    // Leave out the least important segments (the last of equals first) until the row fits.
    var left = Set<Int>()
    func kept() -> [Segment] { all.indices.filter { !left.contains($0) }.map { all[$0] } }
    while width(kept()) > rect.width,
      let drop = all.indices.filter({ !left.contains($0) && all[$0].priority > 0 })
        .max(by: { (all[$0].priority, $0) < (all[$1].priority, $1) })
    {
      left.insert(drop)
    }
    let dropped = all.indices.filter(left.contains).map { all[$0] }
    let line = Rect(row: row, col: rect.col, width: rect.width, height: 1)
    var col = rect.col
    for (index, segment) in kept().enumerated() {
      if index > 0 { col += canvas.put(row: row, col: col, text: separator, style: .dim, clippedTo: line) }
      col += canvas.put(row: row, col: col, text: glyphs.text(segment.text), style: segment.style, clippedTo: line)
    }
    return dropped
  }
}
