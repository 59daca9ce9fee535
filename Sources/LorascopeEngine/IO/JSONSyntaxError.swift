/// Why a JSON document was rejected, with where the reader stopped: byte offset, 1-based line and
/// 1-based column (in bytes), so a hand-edited file can be fixed without counting bytes.
struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
  let message: String
  let offset: Int
  let line: Int
  let column: Int

  /// "byte 57 (line 2, column 12)"
  var location: String { "byte \(offset) (line \(line), column \(column))" }

  var description: String { "\(message) at \(location)" }

  /// The error at `offset` of `bytes`; the line and column are counted only here, on failure,
  /// so the parser's hot loop carries no position bookkeeping.
  init(_ message: String, at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) {
    let offset = min(max(offset, 0), bytes.count)
    var line = 1
    var lineStart = 0
    for i in 0..<offset where bytes[i] == 0x0A {
      line += 1
      lineStart = i + 1
    }
    self.message = message
    self.offset = offset
    self.line = line
    self.column = offset - lineStart + 1
  }
}
