/// The loss chart (Docs/Design.md §7): CE, penalty and total over the adapter
/// steps of every stage, or CE alone while the backbone pretrains. Braille,
/// block or ASCII comes from the glyph set.
///
/// The penalty λ_eff·Σ_g P_g is orders of magnitude below CE, so once there is
/// one it gets its own strip under CE and total, with its own linear axis
/// (one shared axis would flatten either curve); each curve keeps its look.
struct LossPanel {
  let snapshot: DashboardSnapshot

  /// Below this many rows inside the box the penalty shares the CE plot.
  static let splitHeight = 10

  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let showsBackbone = snapshot.phase?.isBackbone == true || snapshot.adapterLoss.isEmpty
    let history = showsBackbone ? snapshot.backboneLoss : snapshot.adapterLoss
    var title = showsBackbone ? "Loss (backbone pretraining, block 0)" : "Loss: CE, penalty, total"
    // The penalty curve is λ_eff·Σ_g P_g: the title names the λ it is weighed with (a shown stage's
    // as the run trained it, else the λ in force).
    if !showsBackbone && history.hasPenalty && snapshot.run.method.usesLambda {
      // 80 columns give the panel 38 cells beside the trailer: the short name keeps the λ.
      title = (rect.width >= 60 ? title : "Loss") + " · λ " + (snapshot.shownStage.map { MetricsPanel.lambdaText(stage: $0, history: snapshot.lambdaHistory) }
        ?? NumberFormat.compact(snapshot.strength.lambda, significant: 3))
    }
    // A finished stage shown with g names itself and its key (issue 28 item 1).
    let trailer = snapshot.shownStage.map { "stage \($0) · g" } ?? (showsBackbone ? "" : snapshot.phase.map { "stage \($0.stage)" } ?? "")
    let inner = Box(title: title, trailer: trailer).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    // Two samples per cell in braille: more points than that only blur.
    let dotsAcross = glyphs.mode == .braille ? 2 : 1
    let all = history.chartSeries(maxPoints: max(2, inner.width * dotsAcross))
    let empty: String
    if let shown = snapshot.shownStage {
      empty = "log.jsonl holds no step of stage \(shown)"
    } else if snapshot.activity == .finished {
      empty = "the run is finished: g shows a stage, R R[t][j]"
    } else if snapshot.activity == .paused {
      empty = "paused: Space runs, n takes one step"
    } else {
      empty = "waiting for the first step"
    }
    let xLabel = showsBackbone ? "step" : (snapshot.shownStage == nil ? "adapter step, all stages" : "step of the stage")
    if showsBackbone || !history.hasPenalty {
      LineChart(series: [all[0]], xLabel: xLabel, emptyMessage: empty)
        .draw(into: &canvas, rect: inner, glyphs: glyphs)
      return
    }
    if inner.height < LossPanel.splitHeight {
      LineChart(series: [all[0], all[2]], xLabel: xLabel, emptyMessage: empty, styleIndices: [0, 2])
        .draw(into: &canvas, rect: inner, glyphs: glyphs)
      return
    }
    let upperHeight = inner.height * 3 / 5
    let upper = Rect(row: inner.row, col: inner.col, width: inner.width, height: upperHeight)
    let lower = Rect(row: inner.row + upperHeight, col: inner.col, width: inner.width, height: inner.height - upperHeight)
    LineChart(series: [all[0], all[2]], xLabel: "", emptyMessage: empty, styleIndices: [0, 2])
      .draw(into: &canvas, rect: upper, glyphs: glyphs)
    LineChart(series: [all[1]], xLabel: xLabel, emptyMessage: empty, styleIndices: [1])
      .draw(into: &canvas, rect: lower, glyphs: glyphs)
  }
}
