import CSV
import Foundation

/// Reads interaction files row by row into an `InteractionTable` (Docs/Design.md §4.4).
///
/// CSV and TSV go through yaslab/CSV.swift's streaming reader (BOM, CRLF and quoted fields are
/// its job); JSON Lines are read a line at a time by the engine's JSONParser. Columns are found by name, RecBole's typed
/// headers (`user_id:token`) included. Every error names the file, the line and the column.
enum InteractionFileReader {
  /// The file formats `data build` reads.
  enum Format: String, Codable, Sendable {
    case csv, tsv, jsonLines = "jsonl"
  }

  /// What one file contributed (recorded in build.json).
  struct FileSummary: Codable, Sendable {
    let path: String
    let format: Format
    /// The header names of the user, item, timestamp and rating columns found.
    let userColumn: String
    let itemColumn: String
    let timestampColumn: String
    let ratingColumn: String?
    /// Data rows read (blank lines not counted).
    let rows: Int
    /// Rows left out because their rating was below `--min-rating`.
    let belowMinimumRating: Int
  }

  /// Accepted names of each column, best first (`parent_asin` before `asin`: the Amazon Reviews
  /// 2023 benchmark files identify an item by its parent).
  static let userNames = ["user_id", "user", "userid"]
  static let itemNames = ["item_id", "parent_asin", "asin", "item", "itemid"]
  static let timestampNames = ["timestamp", "time", "unix_time"]
  static let ratingNames = ["rating", "score"]

  /// Reads `path` and appends its interactions to `table`.
  static func read(_ path: String, minimumRating: Double?, into table: inout InteractionTable) throws -> FileSummary {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw LorascopeError.invalidFile(path: path, reason: "is a directory; --interactions takes files")
    }
    guard FileManager.default.isReadableFile(atPath: path) else {
      throw LorascopeError.invalidFile(path: path, reason: "cannot open the file")
    }
    // The file is read more than once (format, rows, checksum): a FIFO, a pipe such as
    // `<(zcat f)` or a device would block or read differently each time.
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      throw LorascopeError.invalidFile(
        path: path, reason: "is not a regular file (a FIFO, a pipe such as <(zcat …) or a device); decompress it to a file and pass that")
    }
    let format = try detectFormat(path)
    switch format {
    case .jsonLines: return try readJSONLines(path, minimumRating: minimumRating, into: &table)
    case .csv, .tsv:
      try checkLineLengths(path, format: format)
      return try readDelimited(path, format: format, minimumRating: minimumRating, into: &table)
    }
  }

  /// By extension (.jsonl/.ndjson/.json, .tsv/.inter/.tab, .csv); otherwise from the first line:
  /// `{` means JSON Lines, a tab without a comma means TSV.
  static func detectFormat(_ path: String) throws -> Format {
    switch (path as NSString).pathExtension.lowercased() {
    case "jsonl", "ndjson", "json": return .jsonLines
    case "tsv", "inter", "tab": return .tsv
    case "csv": return .csv
    default: break
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw LorascopeError.invalidFile(path: path, reason: "cannot open the file")
    }
    defer { try? handle.close() }
    let head = (try? handle.read(upToCount: 65536)) ?? Data()
    var bytes = [UInt8](head)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else {
      throw LorascopeError.invalidFile(path: path, reason: "the file is empty")
    }
    if first == UInt8(ascii: "{") { return .jsonLines }
    let line = bytes.prefix { $0 != 0x0A }
    return line.contains(0x09) && !line.contains(UInt8(ascii: ",")) ? .tsv : .csv
  }

  /// A header name as a column key: trimmed, lowercased, RecBole's `:type` suffix removed.
  static func columnKey(_ header: String) -> String {
    var name = header.trimmingCharacters(in: .whitespaces).lowercased()
    if name.hasPrefix("\u{FEFF}") { name.removeFirst() }
    if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }
    return name
  }

  /// The position of the first accepted name present in `keys`, and that name.
  private static func find(_ names: [String], in keys: [String]) -> (index: Int, name: String)? {
    for name in names {
      if let index = keys.firstIndex(of: name) { return (index, name) }
    }
    return nil
  }

  private static func missingColumn(_ path: String, _ what: String, _ names: [String], header: [String]) -> LorascopeError {
    .invalidFile(
      path: path,
      reason: "line 1: no \(what) column (looked for \(names.joined(separator: ", ")); the header has \(header.map { ErrorQuote.quoted($0) }.joined(separator: ", ")))")
  }

  /// The longest line read (1 MiB), JSON Lines, CSV or TSV: one interaction is a few hundred bytes, and a file
  /// without newlines must not be held whole in memory.
  static let maxLineBytes = 1 << 20

  // MARK: - CSV / TSV

  /// The CSV reader holds a row whole: a file without newlines (or a sparse file of zeros) would
  /// cost its full size. One pass refuses any line longer than `maxLineBytes` before reading rows.
  private static func checkLineLengths(_ path: String, format: Format) throws {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw LorascopeError.invalidFile(path: path, reason: "cannot open the file")
    }
    defer { try? handle.close() }
    var line = 1
    var sinceNewline = 0
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      try chunk.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
          let rest = bytes.count - offset
          let newline = memchr(base + offset, 0x0A, rest).map { $0 - UnsafeMutableRawPointer(mutating: base + offset) }
          sinceNewline += newline ?? rest
          if sinceNewline > maxLineBytes {
            throw LorascopeError.invalidFile(
              path: path,
              reason: "line \(line) is longer than the limit of \(maxLineBytes) bytes (1 MiB) for one row; is the file \(format == .tsv ? "TSV" : "CSV"), one row per line?")
          }
          guard let newline else { break }
          line += 1
          sinceNewline = 0
          offset += newline + 1
        }
      }
    }
  }

  private static func readDelimited(
    _ path: String, format: Format, minimumRating: Double?, into table: inout InteractionTable
  ) throws -> FileSummary {
    guard let stream = InputStream(fileAtPath: path) else {
      throw LorascopeError.invalidFile(path: path, reason: "cannot open the file")
    }
    let reader: CSVReader
    do {
      reader = try CSVReader(stream: stream, hasHeaderRow: true, delimiter: format == .tsv ? "\t" : ",")
    } catch {
      throw LorascopeError.invalidFile(path: path, reason: "the file is empty (no header line)")
    }
    let header = reader.headerRow ?? []
    let keys = header.map(columnKey)
    if keys.allSatisfy(\.isEmpty) { throw LorascopeError.invalidFile(path: path, reason: "line 1: the header line is empty") }
    guard let user = find(userNames, in: keys) else { throw missingColumn(path, "user", userNames, header: header) }
    guard let item = find(itemNames, in: keys) else { throw missingColumn(path, "item", itemNames, header: header) }
    guard let time = find(timestampNames, in: keys) else {
      throw missingColumn(path, "timestamp", timestampNames, header: header)
    }
    let rating = find(ratingNames, in: keys)
    if minimumRating != nil, rating == nil { throw missingColumn(path, "rating (needed by --min-rating)", ratingNames, header: header) }
    let needed = [user.index, item.index, time.index, rating?.index ?? 0].max()! + 1

    var line = 1 + header.reduce(0) { $0 + newlines(in: $1) }
    var rows = 0
    var belowMinimum = 0
    while let row = reader.next() {
      line += 1
      let rowLine = line
      line += row.reduce(0) { $0 + newlines(in: $1) }
      if row.count == 1 && row[0].isEmpty { continue }  // a blank line
      func fail(_ column: Int?, _ reason: String) -> LorascopeError {
        let place = column.map { "line \(rowLine), column \($0 + 1) (\(header[$0]))" } ?? "line \(rowLine)"
        return .invalidFile(path: path, reason: "\(place): \(reason)")
      }
      let used = [user.index, item.index, time.index, rating?.index].compactMap { $0 }
      for column in used where column < row.count && newlines(in: row[column]) > 0 {
        // A quote opened and never closed swallows the following lines into one field; ids and
        // timestamps never hold a line end (other columns, such as review text, may).
        throw fail(column, "the field runs over a line end (a quote without its closing quote?)")
      }
      guard row.count >= needed else {
        throw fail(nil, "\(row.count) field\(row.count == 1 ? "" : "s"), but the header has \(header.count)")
      }
      let userID = trimmed(row[user.index])
      let itemID = trimmed(row[item.index])
      guard !userID.isEmpty else { throw fail(user.index, "empty user id") }
      guard !itemID.isEmpty else { throw fail(item.index, "empty item id") }
      guard let timestamp = number(row[time.index]) else {
        throw fail(time.index, "timestamp \(ErrorQuote.quoted(row[time.index])) is not a number")
      }
      rows += 1
      if let minimumRating, let rating {
        guard let value = number(row[rating.index]) else {
          throw fail(rating.index, "rating \(ErrorQuote.quoted(row[rating.index])) is not a number")
        }
        if value < minimumRating {
          belowMinimum += 1
          continue
        }
      }
      table.append(user: userID, item: itemID, timestamp: timestamp)
    }
    // CSV.swift 2.5 on Linux ends every file with `cannotReadFile`: Foundation's InputStream still
    // says bytes are available at the end, and the last one-byte read then comes back short. Only
    // the other errors (a failing stream, bytes that are not UTF-8) are real.
    if let error = reader.error, !isEndOfFile(error) {
      throw LorascopeError.invalidFile(path: path, reason: "line \(line): cannot read the file: \(error)")
    }
    return FileSummary(
      path: path, format: format, userColumn: header[user.index], itemColumn: header[item.index],
      timestampColumn: header[time.index], ratingColumn: rating.map { header[$0.index] }, rows: rows,
      belowMinimumRating: belowMinimum)
  }

  private static func isEndOfFile(_ error: Error) -> Bool {
    if case CSVError.cannotReadFile = error { return true }
    return false
  }

  private static func newlines(in field: String) -> Int {
    var count = 0
    for byte in field.utf8 where byte == 0x0A || byte == 0x0D { count += 1 }
    return count
  }

  /// A finite number, surrounding blanks allowed.
  static func number(_ text: String) -> Double? {
    guard let value = Double(trimmed(text)), value.isFinite else { return nil }
    return value
  }

  /// `text` without leading and trailing spaces and tabs. Most fields have none, and then the
  /// string is returned as it is: Foundation's `trimmingCharacters` took a quarter of the reading
  /// time of a 1-million-row file.
  static func trimmed(_ text: String) -> String {
    let utf8 = text.utf8
    func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    guard let first = utf8.first, let last = utf8.last, blank(first) || blank(last) else { return text }
    guard let start = utf8.firstIndex(where: { !blank($0) }), let end = utf8.lastIndex(where: { !blank($0) }) else { return "" }
    return String(text[start...end])
  }

  // MARK: - JSON Lines

  private static func readJSONLines(
    _ path: String, minimumRating: Double?, into table: inout InteractionTable
  ) throws -> FileSummary {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw LorascopeError.invalidFile(path: path, reason: "cannot open the file")
    }
    defer { try? handle.close() }
    var pending: [UInt8] = []
    var lineNumber = 0
    var rows = 0
    var belowMinimum = 0
    var columns: (user: String, item: String, time: String, rating: String?)?
    var sawAnyByte = false
    func lineTooLong(_ line: Int) -> LorascopeError {
      .invalidFile(
        path: path,
        reason: "line \(line) is longer than the limit of \(maxLineBytes) bytes (1 MiB) for one JSON Lines record; is the file JSON Lines, one object per line?")
    }

    func handleLine(_ bytes: ArraySlice<UInt8>) throws {
      lineNumber += 1
      var line = bytes
      if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
      if line.last == 0x0D { line = line.dropLast() }
      guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
      func fail(_ key: String?, _ reason: String) -> LorascopeError {
        .invalidFile(path: path, reason: "line \(lineNumber)\(key.map { ", column \($0)" } ?? ""): \(reason)")
      }
      let parsed: JSONValue
      do {
        parsed = try JSONParser.parse(Array(line), rules: .datasetFiles)
      } catch {
        throw fail(nil, "not valid JSON: \(error.message) at column \(error.column)")
      }
      guard let members = parsed.objectMembers else { throw fail(nil, "not a JSON object") }
      // A repeated key keeps its last value, as JSONSerialization (which read these lines before) did.
      let object = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
      if columns == nil {
        let keys = object.keys.sorted()
        let lowered = keys.map(columnKey)
        func pick(_ names: [String], _ what: String) throws -> String {
          guard let found = find(names, in: lowered) else {
            throw fail(nil, "no \(what) field (looked for \(names.joined(separator: ", ")); the object has \(keys.joined(separator: ", ")))")
          }
          return keys[found.index]
        }
        let rating = find(ratingNames, in: lowered).map { keys[$0.index] }
        if minimumRating != nil, rating == nil { throw fail(nil, "no rating field (needed by --min-rating)") }
        columns = (try pick(userNames, "user"), try pick(itemNames, "item"), try pick(timestampNames, "timestamp"), rating)
      }
      let c = columns!
      guard let userID = idString(object[c.user]), !userID.isEmpty else { throw fail(c.user, "missing or empty user id") }
      guard let itemID = idString(object[c.item]), !itemID.isEmpty else { throw fail(c.item, "missing or empty item id") }
      guard let timestamp = jsonNumber(object[c.time]) else {
        throw fail(c.time, "timestamp \(object[c.time]?.snippet ?? "missing") is not a number")
      }
      rows += 1
      if let minimumRating, let key = c.rating {
        guard let value = jsonNumber(object[key]) else { throw fail(key, "rating is not a number") }
        if value < minimumRating {
          belowMinimum += 1
          return
        }
      }
      table.append(user: userID, item: itemID, timestamp: timestamp)
    }

    while true {
      let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
      if chunk.isEmpty { break }
      sawAnyByte = true
      pending.append(contentsOf: chunk)
      var start = pending.startIndex
      while let newline = pending[start...].firstIndex(of: 0x0A) {
        guard newline - start <= maxLineBytes else { throw lineTooLong(lineNumber + 1) }
        try handleLine(pending[start..<newline])
        start = newline + 1
      }
      pending.removeSubrange(..<start)
      // A file without newlines would otherwise be held whole in memory.
      guard pending.count <= maxLineBytes else { throw lineTooLong(lineNumber + 1) }
    }
    if !pending.isEmpty { try handleLine(pending[...]) }
    guard sawAnyByte, let c = columns else { throw LorascopeError.invalidFile(path: path, reason: "the file is empty") }
    return FileSummary(
      path: path, format: .jsonLines, userColumn: c.user, itemColumn: c.item, timestampColumn: c.time,
      ratingColumn: c.rating, rows: rows, belowMinimumRating: belowMinimum)
  }

  /// An id given as a string or a number (integers without a fraction: `42`, not `42.0`).
  private static func idString(_ value: JSONValue?) -> String? {
    switch value {
    case .string(let text): return trimmed(text)
    case .number(let literal):
      guard let double = Double(literal) else { return literal }
      if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
      return literal
    // JSONSerialization read true and false as the numbers 1 and 0.
    case .bool(let flag): return flag ? "1" : "0"
    default: return nil
    }
  }

  private static func jsonNumber(_ value: JSONValue?) -> Double? {
    switch value {
    case .number: return value?.doubleValue
    case .bool(let flag): return flag ? 1 : 0
    case .string(let text): return number(text)
    default: return nil
    }
  }
}
