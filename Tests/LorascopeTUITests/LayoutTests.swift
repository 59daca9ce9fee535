import Testing

@testable import LorascopeTUI

@Suite("Layout")
struct LayoutTests {
  /// Every rectangle lies on the screen and none overlaps another or the header.
  func checkTiles(_ layout: ScreenLayout) {
    let screen = Rect(size: layout.size)
    var all = Array(layout.panels.values)
    if let header = layout.header { all.append(header) }
    for (i, a) in all.enumerated() {
      #expect(a.clipped(to: screen) == a, "\(a) leaves the screen")
      for b in all[(i + 1)...] { #expect(!a.intersects(b), "\(a) overlaps \(b)") }
    }
  }

  @Test("the panel table has one row per panel, and the orders the layout reads from it")
  func panelTable() {
    #expect(Panel.table.map(\.panel) == Panel.allCases)
    #expect(Panel.dropOrder == [.metrics, .modules, .spectrum])
    #expect(Panel.narrowOrder == [.loss, .spectrum, .modules, .metrics])
    #expect(Panel.panels(in: .left) == [.loss, .modules] && Panel.panels(in: .right) == [.spectrum, .metrics])
    // Each panel's toggle key is generated from its row.
    for row in Panel.table {
      let binding = KeyMap.standard.bindings.first { $0.action == .togglePanel(row.panel.rawValue) }
      #expect(binding?.description == "show / hide \(row.helpName)")
    }
  }

  @Test func classic80x24ShowsEverythingInTwoColumns() {
    let layout = Layout.compute(size: TerminalSize(rows: 24, cols: 80))
    #expect(!layout.isTooSmall)
    #expect(layout.header == Rect(row: 0, col: 0, width: 80, height: 1))
    #expect(layout.rect(for: .loss) == Rect(row: 1, col: 0, width: 40, height: 13))
    #expect(layout.rect(for: .modules) == Rect(row: 14, col: 0, width: 40, height: 9))
    #expect(layout.rect(for: .spectrum) == Rect(row: 1, col: 40, width: 40, height: 14))
    #expect(layout.rect(for: .metrics) == Rect(row: 15, col: 40, width: 40, height: 8))
    #expect(layout.rect(for: .keyBar) == Rect(row: 23, col: 0, width: 80, height: 1))
    #expect(layout.dropped.isEmpty)
    checkTiles(layout)
  }

  @Test func large200x60() {
    let layout = Layout.compute(size: TerminalSize(rows: 60, cols: 200))
    #expect(layout.header?.height == 2)
    #expect(layout.rect(for: .loss) == Rect(row: 2, col: 0, width: 100, height: 34))
    #expect(layout.rect(for: .modules) == Rect(row: 36, col: 0, width: 100, height: 23))
    #expect(layout.rect(for: .spectrum) == Rect(row: 2, col: 100, width: 100, height: 35))
    #expect(layout.rect(for: .metrics) == Rect(row: 37, col: 100, width: 100, height: 22))
    #expect(layout.rect(for: .keyBar) == Rect(row: 59, col: 0, width: 200, height: 1))
    checkTiles(layout)
    // Every row between header and key bar belongs to a panel in each column.
    #expect(layout.panel(atRow: 30, col: 10) == .loss)
    #expect(layout.panel(atRow: 50, col: 150) == .metrics)
    #expect(layout.panel(atRow: 0, col: 0) == nil)
  }

  @Test func belowTheMinimumGivesUp() {
    for size in [TerminalSize(rows: 20, cols: 60), TerminalSize(rows: 19, cols: 100), TerminalSize(rows: 0, cols: 0)] {
      let layout = Layout.compute(size: size)
      #expect(layout.isTooSmall)
      #expect(layout.panels.isEmpty && layout.header == nil)
    }
    #expect(!Layout.compute(size: Layout.minimumSize).isTooSmall)
  }

  @Test func narrowTerminalsDropPanelsInTheStatedOrder() {
    // 70 columns: one column. 22 body rows hold loss (7) + spectrum (10) but
    // not the module penalty (6) and the metrics (6) as well.
    let layout = Layout.compute(size: TerminalSize(rows: 24, cols: 70))
    #expect(layout.dropped == [.metrics, .modules])
    #expect(layout.rect(for: .loss) != nil && layout.rect(for: .spectrum) != nil)
    checkTiles(layout)
    let taller = Layout.compute(size: TerminalSize(rows: 30, cols: 70))
    #expect(taller.dropped == [.metrics])
    #expect(taller.rect(for: .modules) != nil)
    // At the minimum only the loss chart and the spectrum remain.
    let minimum = Layout.compute(size: Layout.minimumSize)
    #expect(minimum.dropped == [.metrics, .modules])
    checkTiles(minimum)
  }

  @Test func hiddenPanelsGiveTheirSpaceAway() {
    let layout = Layout.compute(size: TerminalSize(rows: 24, cols: 80), visible: [.loss, .spectrum])
    #expect(layout.rect(for: .loss) == Rect(row: 1, col: 0, width: 40, height: 23))
    #expect(layout.rect(for: .keyBar) == nil)
    #expect(layout.dropped.isEmpty)
    let onlyLeft = Layout.compute(size: TerminalSize(rows: 24, cols: 80), visible: [.loss, .modules, .keyBar])
    #expect(onlyLeft.rect(for: .loss)?.width == 80)
    checkTiles(onlyLeft)
  }
}
