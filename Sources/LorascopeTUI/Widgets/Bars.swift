/// One labelled value of a bar list.
public struct BarItem: Sendable {
  public var label: String
  public var value: Double
  /// The bar's style; `nil` uses series 1.
  public var style: CellStyle?

  public init(label: String, value: Double, style: CellStyle? = nil) {
    self.label = label
    self.value = value
    self.style = style
  }
}

/// Horizontal bars, one per row, with eighth-cell resolution (▏▎▍▌▋▊▉█) or
/// ASCII `#` (per-module penalty, Docs/Design.md §7).
///
/// Each row is `label │bar      value`. The selected row is marked with a
/// pointer, its label and value are reversed and its bar is in the accent
/// style, so it shows without colour. When there are more
/// items than rows the list scrolls to keep the selected row visible.
public struct Bars: Sendable {
  public var items: [BarItem]
  /// Bar length for a full bar; `nil` uses the largest value.
  public var maxValue: Double?
  public var selectedIndex: Int?
  /// Significant digits of the value labels.
  public var significantDigits: Int

  public init(
    items: [BarItem], maxValue: Double? = nil, selectedIndex: Int? = nil, significantDigits: Int = 3
  ) {
    self.items = items
    self.maxValue = maxValue
    self.selectedIndex = selectedIndex
    self.significantDigits = significantDigits
  }

  /// The index of the first item shown when `rows` rows are available.
  public func firstVisibleIndex(rows: Int) -> Int {
    guard rows > 0, items.count > rows, let selected = selectedIndex else { return 0 }
    let s = min(max(selected, 0), items.count - 1)
    return min(max(0, s - rows / 2), items.count - rows)
  }

  public func draw(into canvas: inout some Canvas, rect: Rect, glyphs: GlyphSet) {
    guard rect.width >= 8, rect.height >= 1, !items.isEmpty else { return }
    let first = firstVisibleIndex(rows: rect.height)
    let visible = items[first..<min(items.count, first + rect.height)]
    let valueTexts = visible.map { NumberFormat.compact($0.value, significant: significantDigits) }
    let valueWidth = valueTexts.map(DisplayWidth.of).max() ?? 0
    let labelWidth = min(visible.map { DisplayWidth.of(glyphs.text($0.label)) }.max() ?? 0, rect.width / 3)
    // "▶ label │bar… value": pointer, space, label, space, axis, bar, space, value.
    let barCol = rect.col + 2 + labelWidth + 2
    let barWidth = rect.right - barCol - 1 - valueWidth
    let finiteMax = items.map(\.value).filter(\.isFinite).max() ?? 0
    let fullValue = maxValue ?? finiteMax

    for (offset, item) in visible.enumerated() {
      let row = rect.row + offset
      let index = first + offset
      let isSelected = index == selectedIndex
      let textStyle: CellStyle = isSelected ? .selected : .normal
      let pointer = isSelected ? String(glyphs.pointer) : " "
      let label = DisplayWidth.pad(
        DisplayWidth.truncate(glyphs.text(item.label), to: labelWidth, ellipsis: glyphs.ellipsis), to: labelWidth)
      canvas.put(row: row, col: rect.col, text: pointer + " " + label + " ", style: textStyle)
      canvas.put(row: row, col: barCol - 1, text: String(glyphs.vertical), style: isSelected ? .selected : .dim)
      if barWidth > 0 {
        let bar = Bars.barText(
          value: item.value, full: fullValue, width: barWidth, glyphs: glyphs)
        // Not reversed: a reversed full block would read as an empty cell.
        canvas.put(row: row, col: barCol, text: bar, style: isSelected ? .accent : (item.style ?? .series1))
      }
      let valueText = valueTexts[offset]
      let valueStyle: CellStyle = isSelected ? .selected : (item.value.isFinite ? .dim : .bad)
      canvas.put(
        row: row, col: rect.right - valueWidth,
        text: DisplayWidth.pad(valueText, to: valueWidth, alignRight: true), style: valueStyle)
    }
  }

  /// The bar for `value` out of `full` in `width` cells, in eighths of a cell;
  /// negative or non-finite values give an empty bar.
  public static func barText(value: Double, full: Double, width: Int, glyphs: GlyphSet) -> String {
    guard width > 0, value.isFinite, value > 0, full > 0 else { return "" }
    let fraction = min(value / full, 1)
    if glyphs.mode == .ascii {
      let cells = Int((fraction * Double(width)).rounded())
      return String(repeating: "#", count: max(cells, 1))
    }
    let eighths = max(1, Int((fraction * Double(width * 8)).rounded()))
    var text = String(repeating: String(glyphs.horizontalEighths[7]), count: eighths / 8)
    if eighths % 8 > 0 { text.append(glyphs.horizontalEighths[eighths % 8 - 1]) }
    return text
  }
}
