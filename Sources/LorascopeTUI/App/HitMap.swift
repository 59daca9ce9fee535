/// Where the last frame drew the modules, for mouse clicks.
public struct HitMap: Sendable {
  /// The heat map and the rectangle it was drawn in.
  public var heatmap: (map: Heatmap, rect: Rect)?
  /// The bars, their rectangle and the module of every bar.
  public var bars: (bars: Bars, rect: Rect, modules: [Int])?
  public var glyphs: GlyphSet

  public init(glyphs: GlyphSet = .braille) {
    self.glyphs = glyphs
  }

  /// The module drawn at a screen cell, if any.
  public func module(atRow row: Int, col: Int, grid: ModuleGrid) -> Int? {
    if let heatmap, let cell = heatmap.map.cell(atRow: row, col: col, rect: heatmap.rect, glyphs: glyphs) {
      return grid.module(at: cell)
    }
    if let bars, bars.rect.contains(row: row, col: col) {
      let index = bars.bars.firstVisibleIndex(rows: bars.rect.height) + row - bars.rect.row
      return index < bars.modules.count ? bars.modules[index] : nil
    }
    return nil
  }
}
