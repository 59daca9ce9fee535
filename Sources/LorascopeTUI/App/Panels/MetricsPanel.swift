import LorascopeEngine

/// The metrics of every finished stage (Docs/Design.md §5, §7), or on `R` the
/// matrix R[t][j] of NDCG@5 with the diagonal (plasticity) highlighted and
/// forgetting/BWT in the border.
struct MetricsPanel {
  let state: DashboardState
  let snapshot: DashboardSnapshot

  func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    let matrix = ContinualMatrix(values: snapshot.matrix)
    var trailer = ""
    if state.showMatrix, let bwt = matrix.backwardTransfer() {
      trailer = "BWT " + NumberFormat.fixed(bwt, decimals: 4)
    } else if let average = averageLaterBlocks() {
      trailer = "mean(t≥1) " + NumberFormat.fixed(average, decimals: 4)
    }
    let title = state.showMatrix ? "R[t][j] NDCG@5 (row t: after stage t)" : "Metrics per stage"
    let inner = Box(title: title, trailer: trailer).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    guard !snapshot.stages.isEmpty else {
      CenteredMessage.draw("no stage evaluated yet (s finishes the stage)", into: &canvas, rect: inner, glyphs: glyphs)
      return
    }
    if state.showMatrix {
      Table.stageMatrix(snapshot.matrix, decimals: 4).draw(into: &canvas, rect: inner, glyphs: glyphs)
    } else {
      stageTable().draw(into: &canvas, rect: inner, glyphs: glyphs)
    }
  }

  private func averageLaterBlocks() -> Double? {
    let later = snapshot.stages.filter { $0.stage >= 1 }
    guard !later.isEmpty else { return nil }
    return later.map(\.own.ndcg5).reduce(0, +) / Double(later.count)
  }

  /// One row per stage: steps, final CE, validation CE and the ranking
  /// metrics on the stage's own block.
  func stageTable() -> Table {
    let columns = [
      TableColumn("stage", alignment: .left), TableColumn("steps"), TableColumn("CE"), TableColumn("valid CE"),
      TableColumn("NDCG@5"), TableColumn("Hit@5"), TableColumn("NDCG@10"), TableColumn("Hit@10"),
      TableColumn("MRR"),
    ]
    let rows = snapshot.stages.map { s -> [TableCell] in
      [
        TableCell("\(s.stage)", style: .title), TableCell("\(s.trainSteps)"),
        TableCell(s.finalCE.map { NumberFormat.fixed($0, decimals: 3) } ?? "-"),
        TableCell(NumberFormat.fixed(s.validationCE, decimals: 3)),
        TableCell(NumberFormat.fixed(s.own.ndcg5, decimals: 4), style: .accent),
        TableCell(NumberFormat.fixed(s.own.hit5, decimals: 4)),
        TableCell(NumberFormat.fixed(s.own.ndcg10, decimals: 4)),
        TableCell(NumberFormat.fixed(s.own.hit10, decimals: 4)),
        TableCell(NumberFormat.fixed(s.own.mrr, decimals: 4)),
      ]
    }
    return Table(columns: columns, rows: rows)
  }
}
