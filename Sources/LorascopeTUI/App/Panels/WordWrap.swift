/// Breaks text into lines of at most `width` cells at spaces (a word longer
/// than a line is cut), for the caption and error boxes.
enum WordWrap {
  static func lines(_ text: String, width: Int, maxLines: Int = .max) -> [String] {
    guard width > 0, maxLines > 0 else { return [] }
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var current = ""
      for word in paragraph.split(separator: " ") {
        var piece = String(word)
        while DisplayWidth.of(piece) > width {
          if !current.isEmpty {
            lines.append(current)
            current = ""
          }
          let head = DisplayWidth.prefix(piece, fitting: width)
          lines.append(head)
          piece = String(piece.unicodeScalars.dropFirst(head.unicodeScalars.count))
        }
        if current.isEmpty {
          current = piece
        } else if DisplayWidth.of(current) + 1 + DisplayWidth.of(piece) <= width {
          current += " " + piece
        } else {
          lines.append(current)
          current = piece
        }
      }
      lines.append(current)
    }
    if lines.count > maxLines {
      lines = Array(lines.prefix(maxLines))
      lines[maxLines - 1] = DisplayWidth.truncate(lines[maxLines - 1] + " …", to: width)
    }
    return lines
  }
}
