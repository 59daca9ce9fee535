/// Draws one whole frame from the UI state and the engine's snapshot
/// (Docs/Design.md §7): header, loss chart, per-module penalty, spectrum and
/// weights, metrics, the key line, then the overlays (tour caption, engine
/// error, help), topmost last.
///
/// A pure function of its inputs into any `Canvas`: the app draws on the
/// terminal, the tests on a `CellBuffer`. Resizes need no special case: every
/// frame is laid out for the canvas's current size, overlays included.
public enum DashboardRenderer {
  /// Draws the frame and returns where the modules were drawn (mouse clicks).
  @discardableResult
  public static func draw(
    state: DashboardState, snapshot: DashboardSnapshot, into canvas: inout some Canvas, glyphs: GlyphSet
  ) -> HitMap {
    let size = canvas.size
    var hits = HitMap(glyphs: glyphs)
    canvas.clear(Rect(size: size))
    var visible = state.visiblePanels
    if state.context == .edit { visible.insert(.keyBar) }  // the entry line lives there
    let layout = Layout.compute(size: size, visible: visible)
    if layout.isTooSmall {
      TooSmall(actual: size).draw(into: &canvas, glyphs: glyphs)
      return hits
    }
    if let header = layout.header {
      HeaderPanel(state: state, snapshot: snapshot).draw(into: &canvas, rect: header, glyphs: glyphs)
    }
    if state.view != .dashboard {
      let top = layout.header?.bottom ?? 0
      let bottom = layout.rect(for: .keyBar)?.row ?? size.rows
      let body = Rect(row: top, col: 0, width: size.cols, height: bottom - top)
      switch state.view {
      case .race: RacePanel(race: snapshot.race).draw(into: &canvas, rect: body, glyphs: glyphs)
      case .theory: TheoryPanel(theory: snapshot.theory).draw(into: &canvas, rect: body, glyphs: glyphs)
      case .data: DataPanel(run: snapshot.run).draw(into: &canvas, rect: body, glyphs: glyphs)
      case .dashboard: break
      }
    } else {
      drawPanels(state: state, snapshot: snapshot, layout: layout, into: &canvas, glyphs: glyphs, hits: &hits)
    }
    if let rect = layout.rect(for: .keyBar) {
      drawBottomLine(state: state, snapshot: snapshot, into: &canvas, rect: rect, glyphs: glyphs)
    }
    if let caption = state.caption {
      CaptionOverlay(caption: caption).draw(into: &canvas, screen: size, glyphs: glyphs)
    }
    if state.showsError(snapshot), let error = snapshot.error {
      ErrorOverlay(message: error.message).draw(into: &canvas, screen: size, glyphs: glyphs)
    }
    if case .help(let page) = state.mode {
      HelpOverlay(keyMap: state.keyMap, page: page).draw(into: &canvas, screen: size, glyphs: glyphs)
    }
    return hits
  }

  /// The body panels of Docs/Design.md §7 where the layout put them (Panel.table).
  static func drawPanels(
    state: DashboardState, snapshot: DashboardSnapshot, layout: ScreenLayout, into canvas: inout some Canvas,
    glyphs: GlyphSet, hits: inout HitMap
  ) {
    let size = layout.size
    var drawn = false
    for spec in Panel.table {
      guard let make = spec.make, let rect = layout.rect(for: spec.panel) else { continue }
      make(state, snapshot).draw(into: &canvas, rect: rect, glyphs: glyphs, hits: &hits)
      drawn = true
    }
    if !drawn {
      let keys = Panel.bodyPanels.map { String($0.rawValue) }
      let text = glyphs.text("every panel is hidden: \(keys.first ?? "")–\(keys.last ?? "") show them again")
      canvas.put(
        row: size.rows / 2, col: max(0, (size.cols - DisplayWidth.of(text)) / 2), text: text, style: .dim)
    }
  }

  /// Keys the bar leaves out because they cannot act now: training and λ on a read-only run,
  /// stage browsing while a run still trains (issue 28 item 1), so 80 columns show the useful
  /// ones. The help overlay still lists every key.
  static func barHidden(_ snapshot: DashboardSnapshot) -> Set<Action> {
    if snapshot.readOnly {
      return [.runPause, .step, .finishStage, .lambdaUp, .lambdaDown, .lambdaEdit, .lambdaTimesTen,
              .lambdaDividedByTen, .lambdaFromSpectrum, .targetWeightEdit, .raceToggle, .raceTyped, .theoryToggle]
    }
    return snapshot.activity == .finished || snapshot.shownStage != nil ? [] : [.stageNext, .stagePrev]
  }

  /// The key line of the current context (generated from the key table), or
  /// the λ entry while typing; the engine's activity and the last notice sit
  /// at its right.
  static func drawBottomLine(
    state: DashboardState, snapshot: DashboardSnapshot, into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet
  ) {
    switch state.mode {
    case .editLambda(let entry), .editTargetWeight(let entry), .editRaceLambdas(let entry):
      entry.draw(into: &canvas, rect: rect, glyphs: glyphs, keyMap: state.keyMap)
      return
    case .main, .help:
      break
    }
    var status = snapshot.activity.label
    if let notice = state.notice { status = notice + " · " + status }
    if snapshot.readOnly { status += " · read-only" }
    if !state.mouseEnabled { status += " · mouse off" }
    KeyBar(keyMap: state.keyMap.excluding(barHidden(snapshot)), context: state.context, status: status)
      .draw(into: &canvas, rect: rect, glyphs: glyphs)
  }
}
