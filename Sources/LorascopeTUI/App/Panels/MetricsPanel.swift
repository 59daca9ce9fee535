import LorascopeEngine

/// The metrics of every finished stage (Docs/Design.md §5, §7), or on `R` the
/// matrix R[t][j] of NDCG@5 with the diagonal (plasticity) highlighted and
/// forgetting/BWT in the border. Beside the model's NDCG@5 stands the co-occurrence counter's on
/// the same block and users (Docs/Math.md §44), so whether the model beats counting is seen at a
/// glance; the border says on how many blocks it does not ("below co-occ 1/2").
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
    if !state.showMatrix, let below = blocksBelowCooccurrence() {
      trailer += (trailer.isEmpty ? "" : " · ") + "below co-occ \(below.below)/\(below.of)"
    }
    let title = state.showMatrix ? "R[t][j] NDCG@5 (row t: after stage t)" : "Metrics per stage"
    let inner = Box(title: title, trailer: trailer).draw(into: &canvas, rect: rect, glyphs: glyphs)
    guard !inner.isEmpty else { return }
    guard !snapshot.stages.isEmpty else {
      CenteredMessage.draw("no stage evaluated yet (s finishes the stage)", into: &canvas, rect: inner, glyphs: glyphs)
      return
    }
    var tableRect = inner
    // What the anchor cannot reach (Docs/Math.md §48) on the last row, once a stage measured it.
    if inner.height >= 3, let (stage, share) = shownChangeShare(),
      let (text, style) = Self.changeShareLine(share, stage: stage, width: inner.width, glyphs: glyphs)
    {
      tableRect = Rect(row: inner.row, col: inner.col, width: inner.width, height: inner.height - 1)
      canvas.put(
        row: inner.bottom - 1, col: inner.col,
        text: DisplayWidth.truncate(text, to: inner.width, ellipsis: glyphs.ellipsis), style: style, clippedTo: inner)
    }
    if state.showMatrix {
      Table.stageMatrix(snapshot.matrix, decimals: 4).draw(into: &canvas, rect: tableRect, glyphs: glyphs)
    } else {
      stageTable().draw(into: &canvas, rect: tableRect, glyphs: glyphs)
    }
  }

  /// The change share of the stage shown with `g`, else of the last finished stage that has one.
  private func shownChangeShare() -> (Int, ChangeShare)? {
    let candidates = snapshot.stages.filter { snapshot.shownStage == nil || $0.stage == snapshot.shownStage }
    guard let last = candidates.last(where: { $0.changeShare != nil }), let share = last.changeShare else { return nil }
    return (last.stage, share)
  }

  /// "stage 3 CE change: LoRA 38 % · embeddings+head 62 %: λ cannot reach most of it" (caution
  /// style; embeddings+head = embeddings and lm_head, which the penalty does not anchor), or the
  /// shares alone when LoRA carries most; a short form when the long one does not fit `width`
  /// (80 columns give the panel 38 cells). Nil when nothing changed.
  static func changeShareLine(_ share: ChangeShare, stage: Int, width: Int, glyphs: GlyphSet) -> (String, CellStyle)? {
    guard let lora = share.lora, let embeddings = share.embeddings else { return nil }
    let l = "\(Int((lora * 100).rounded())) %", e = "\(Int((embeddings * 100).rounded())) %"
    let cannot = share.anchorCannotReachMost
    let long = "stage \(stage) CE change: LoRA \(l) · embeddings+head \(e)"
      + (cannot ? ": λ cannot reach most of it" : " (λ anchors only LoRA)")
    let short = cannot ? "λ cannot reach \(e) of stage \(stage) (emb.)" : "stage \(stage): LoRA \(l) · emb. \(e)"
    let text = glyphs.text(DisplayWidth.of(glyphs.text(long)) <= width ? long : short)
    return (text, cannot ? .warn : .dim)
  }

  private func averageLaterBlocks() -> Double? {
    let later = snapshot.stages.filter { $0.stage >= 1 }
    guard !later.isEmpty else { return nil }
    return later.map(\.own.ndcg5).reduce(0, +) / Double(later.count)
  }

  /// Of the stages with counting baselines, how many leave the model's NDCG@5 below the
  /// co-occurrence counter's on their own block; nil when none has them (older runs).
  private func blocksBelowCooccurrence() -> (below: Int, of: Int)? {
    let compared = snapshot.stages.compactMap { s in s.baselines.map { s.own.ndcg5 < $0.cooccurrence.ndcg5 } }
    guard !compared.isEmpty else { return nil }
    return (compared.filter { $0 }.count, compared.count)
  }

  /// One row per stage: steps, final CE, validation CE and the ranking
  /// metrics on the stage's own block, the co-occurrence counter's NDCG@5 beside the model's
  /// (the model's in the warning style when it is below).
  func stageTable() -> Table {
    // λ's history beside the stages it trained (issue 28 item 1), once λ changed during the run
    // (a λ that never changed is the header's); after the model's and the counter's NDCG@5, which
    // 80 columns must keep.
    let showsLambda = state.usesLambda && Set(snapshot.lambdaHistory.map(\.lambda)).count > 1
    let columns = [
      TableColumn("stage", alignment: .left), TableColumn("steps"), TableColumn("CE"), TableColumn("valid CE"),
      TableColumn("NDCG@5"), TableColumn("co-occ@5"),
    ] + (showsLambda ? [TableColumn("λ")] : []) + [
      TableColumn("Hit@5"), TableColumn("NDCG@10"), TableColumn("Hit@10"),
      TableColumn("MRR"),
    ]
    let rows = snapshot.stages.map { s -> [TableCell] in
      let counter = s.baselines?.cooccurrence.ndcg5
      let below = counter.map { s.own.ndcg5 < $0 } ?? false
      // The stage the other panels show (g) is marked.
      let mark = snapshot.shownStage == s.stage ? ">" : ""
      let lambda = showsLambda ? [TableCell(Self.lambdaText(stage: s.stage, history: snapshot.lambdaHistory))] : []
      return [
        TableCell(mark + "\(s.stage)", style: .title), TableCell("\(s.trainSteps)"),
        TableCell(s.finalCE.map { NumberFormat.fixed($0, decimals: 3) } ?? "-"),
        TableCell(NumberFormat.fixed(s.validationCE, decimals: 3)),
        TableCell(NumberFormat.fixed(s.own.ndcg5, decimals: 4), style: below ? .warn : .accent),
        TableCell(counter.map { NumberFormat.fixed($0, decimals: 4) } ?? "-", style: .dim),
      ] + lambda + [
        TableCell(NumberFormat.fixed(s.own.hit5, decimals: 4)),
        TableCell(NumberFormat.fixed(s.own.ndcg10, decimals: 4)),
        TableCell(NumberFormat.fixed(s.own.hit10, decimals: 4)),
        TableCell(NumberFormat.fixed(s.own.mrr, decimals: 4)),
      ]
    }
    return Table(columns: columns, rows: rows)
  }

  /// The λ stage t trained with: the one in force when it started, then every setting made
  /// during it ("2→5"), from the run's `lambdaHistory` (Docs/Architecture.md "λ flow").
  static func lambdaText(stage t: Int, history: [LambdaSetting]) -> String {
    guard let first = history.first else { return "-" }
    let before = history.last { $0.stage < t || ($0.stage == t && $0.step == 0) } ?? first
    var values = [before.lambda]
    for setting in history where setting.stage == t && setting.step > 0 && setting.lambda != values.last {
      values.append(setting.lambda)
    }
    return values.map { NumberFormat.compact($0, significant: 3) }.joined(separator: "→")
  }
}
