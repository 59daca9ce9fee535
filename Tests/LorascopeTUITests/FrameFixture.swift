import LorascopeTUI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A whole frame with plausible data: every panel of Docs/Design.md §7, composed
/// the way the app will compose it (layout → boxes → widgets → key bar).
struct FrameFixture {
  let loss: [ChartSeries]
  let penalties: [[Double]]
  let spectrum: SpectrumData
  let metrics: Table
  var selected = GridIndex(row: 1, col: 4)
  var showHelp = false

  static let modules = ["q", "k", "v", "o", "gate", "up", "down"]

  /// 2,000 steps of CE, penalty and total; 4 layers × 7 modules; 300 ρ_k; 5 stages.
  init(steps: Int = 2000) {
    var ce: [Double] = []
    var penalty: [Double] = []
    var total: [Double] = []
    for step in 0..<steps {
      let t = Double(step)
      let wiggle = 0.05 * sin(t * 0.37) + 0.03 * sin(t * 1.7)
      let c = 1.6 + 2.2 * exp(-t / 300) + wiggle
      let p = 0.4 * (1 - exp(-t / 500)) + 0.01 * cos(t * 0.21)
      ce.append(c)
      penalty.append(p)
      total.append(c + p)
    }
    loss = [
      ChartSeries(name: "CE", values: ce), ChartSeries(name: "penalty", values: penalty),
      ChartSeries(name: "total", values: total),
    ]
    var grid: [[Double]] = []
    for layer in 0..<4 {
      var row: [Double] = []
      for module in 0..<7 {
        let base = 1e-4 * Double((layer + 1) * (module + 2))
        row.append(base * (1 + 0.3 * sin(Double(layer * 7 + module))))
      }
      grid.append(row)
    }
    penalties = grid
    let rho = (0..<300).map { k in 80 * exp(-Double(k) / 25) }
    spectrum = SpectrumData(
      rho: rho, lambdaEffective: 2.0 / 28, shiftRho: [4.1e5], nullCount: 64, epsilon: 1e-3 / 4096,
      note: "empirical Fisher · layers.1.self_attn.o_proj.lora_A")
    metrics = Table(
      columns: [
        TableColumn("stage", alignment: .left), TableColumn("CE"), TableColumn("NDCG@5"), TableColumn("NDCG@10"),
        TableColumn("Hit@5"), TableColumn("Hit@10"), TableColumn("λ"),
      ],
      rows: (0..<5).map { t in
        let d = Double(t)
        return [
          TableCell("\(t)"), TableCell(NumberFormat.fixed(2.1 - 0.05 * d, decimals: 3)),
          TableCell(NumberFormat.fixed(0.041 + 0.002 * d, decimals: 4)),
          TableCell(NumberFormat.fixed(0.052 + 0.002 * d, decimals: 4)),
          TableCell(NumberFormat.fixed(0.080 + 0.003 * d, decimals: 4)),
          TableCell(NumberFormat.fixed(0.120 + 0.004 * d, decimals: 4), style: t == 2 ? .bad : nil),
          TableCell("2.0"),
        ]
      })
  }

  /// Draws one frame on `canvas` and returns the layout used.
  @discardableResult
  func draw(into canvas: inout some Canvas, glyphs: GlyphSet) -> ScreenLayout {
    let size = canvas.size
    let layout = Layout.compute(size: size)
    canvas.clear(Rect(size: size))
    if layout.isTooSmall {
      TooSmall(actual: size).draw(into: &canvas, glyphs: glyphs)
      return layout
    }
    if let header = layout.header {
      let title = glyphs.text(
        "lorascope · synthetic drift · peso · λ 2.0 · stage 2/5 · step 1432 · 41.2 steps/s")
      canvas.put(row: header.row, col: 0, text: title, style: .title, clippedTo: header)
      if header.height > 1 {
        canvas.put(
          row: header.row + 1, col: 0, text: glyphs.text("tiny · r=8 α=16 · λ_eff 0.0714 · running"),
          style: .dim, clippedTo: header)
      }
    }
    if let rect = layout.rect(for: .loss) {
      let inner = Box(title: "Loss", trailer: "step 1432").draw(into: &canvas, rect: rect, glyphs: glyphs)
      LineChart(series: loss, xLabel: "step").draw(into: &canvas, rect: inner, glyphs: glyphs)
    }
    if let rect = layout.rect(for: .modules) {
      let inner = Box(title: Panel.modules.title).draw(into: &canvas, rect: rect, glyphs: glyphs)
      Heatmap(
        rowLabels: (0..<4).map { "L\($0)" }, columnLabels: FrameFixture.modules, values: penalties,
        selected: selected, scale: .log10
      ).draw(into: &canvas, rect: inner, glyphs: glyphs)
    }
    if let rect = layout.rect(for: .spectrum) {
      let inner = Box(title: Panel.spectrum.title, focused: true).draw(into: &canvas, rect: rect, glyphs: glyphs)
      SpectrumPlot(data: spectrum).draw(into: &canvas, rect: inner, glyphs: glyphs)
    }
    if let rect = layout.rect(for: .metrics) {
      let inner = Box(title: Panel.metrics.title).draw(into: &canvas, rect: rect, glyphs: glyphs)
      metrics.draw(into: &canvas, rect: inner, glyphs: glyphs)
    }
    if let rect = layout.rect(for: .keyBar) {
      KeyBar(status: "running").draw(into: &canvas, rect: rect, glyphs: glyphs)
    }
    if showHelp { HelpOverlay().draw(into: &canvas, screen: size, glyphs: glyphs) }
    return layout
  }
}
