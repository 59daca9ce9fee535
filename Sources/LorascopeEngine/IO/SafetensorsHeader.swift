/// The checked header of a safetensors file: the one validation both readers use, the whole-file
/// decoder (`SafetensorsFile.decode`) and the memory-mapped reader (`MappedSafetensors`).
///
/// It checks what the reference reader checks (`SafeTensors::read_metadata` and
/// `Metadata::validate`, Docs/Design.md §6) and more: the length prefix within the file and
/// ≤ 100 MB; header UTF-8, starting with `{`, a JSON object without duplicate keys (at any depth)
/// and with nothing but whitespace after it; known dtypes; non-negative shapes whose element and
/// byte counts do not overflow; `data_offsets` two non-negative integers with
/// `end − begin = numel × itemsize`; tensors contiguous from 0 with no overlap and no gap; data
/// ending exactly at the end of the file; `__metadata__` values all strings. Nothing is sized from
/// the header's numbers before they are checked against the file's real size; every failure is
/// the caller's `invalid` error, nothing traps.
struct SafetensorsHeader {
  /// The header's length in bytes (after the 8-byte prefix, before the data).
  let length: Int
  /// The tensor entries in header order.
  let entries: [SafetensorsHeaderEntry]
  /// `__metadata__`, empty when absent or null.
  let metadata: [String: String]

  /// Where the tensor data begins in the file.
  var dataStart: Int { 8 + length }

  /// The header length declared by the little-endian 8-byte `prefix` of a file of `fileSize`
  /// bytes, checked against the limit and against the file before anything is read or allocated.
  static func length(
    prefix: some Collection<UInt8>, fileSize: Int, invalid: (String) -> LorascopeError
  ) throws -> Int {
    guard fileSize >= 8, prefix.count >= 8 else {
      throw invalid("file is \(fileSize) bytes, shorter than the 8-byte header length")
    }
    var declared: UInt64 = 0
    for (i, byte) in prefix.prefix(8).enumerated() { declared |= UInt64(byte) << (8 * UInt64(i)) }
    guard declared <= UInt64(SafetensorsFile.maxHeaderLength) else {
      throw invalid("header length \(declared) exceeds the limit of \(SafetensorsFile.maxHeaderLength) bytes")
    }
    let headerLength = Int(declared)
    guard headerLength <= fileSize - 8 else {
      throw invalid("header length \(headerLength) runs past the end of the file (\(fileSize) bytes): the file is truncated")
    }
    return headerLength
  }

  /// Parses the header `bytes` of a file of `fileSize` bytes and checks every entry and that the
  /// tensors tile exactly the bytes after the header.
  init(bytes: [UInt8], fileSize: Int, invalid: (String) -> LorascopeError) throws {
    guard String(validating: bytes, as: UTF8.self) != nil else { throw invalid("header is not valid UTF-8") }
    guard bytes.first == UInt8(ascii: "{") else { throw invalid("header does not start with '{'") }
    let root: JSONValue
    do {
      root = try JSONParser.parse(bytes, rules: .strict)
    } catch {
      throw invalid("header is not valid JSON: \(error.description)")
    }
    guard let members = root.objectMembers else { throw invalid("header is not a JSON object") }

    var metadata: [String: String] = [:]
    var entries: [SafetensorsHeaderEntry] = []
    for member in members {
      if member.key == "__metadata__" {
        metadata = try Self.parseMetadata(member.value, invalid: invalid)
      } else {
        entries.append(try SafetensorsHeaderEntry(name: member.key, value: member.value, invalid: invalid))
      }
    }

    let sorted = try Self.checkContiguous(entries, invalid: invalid)
    let available = fileSize - 8 - bytes.count
    // A truncated file is the common way to get here: name the first tensor it cuts.
    if let cut = sorted.first(where: { $0.end > available }) {
      throw invalid(
        "tensor \"\(cut.name)\": data_offsets \(cut.offsetsText) run past the end of the file, which holds "
          + "\(available) bytes of tensor data: the file is truncated")
    }
    let bufferEnd = sorted.last?.end ?? 0
    guard bufferEnd == available else {
      throw invalid(
        "tensor data ends at byte \(bufferEnd) of the buffer, but the file holds \(available) bytes after the header")
    }
    self.length = bytes.count
    self.entries = entries
    self.metadata = metadata
  }

  /// `__metadata__`: an object of strings (null is read as no metadata, like the reference).
  private static func parseMetadata(
    _ value: JSONValue, invalid: (String) -> LorascopeError
  ) throws -> [String: String] {
    if value.isNull { return [:] }
    guard let members = value.objectMembers else { throw invalid("__metadata__ is not an object") }
    var metadata: [String: String] = [:]
    for member in members {
      guard let text = member.value.stringValue else {
        throw invalid("__metadata__ value for \"\(member.key)\" is \(member.value.snippet), not a string")
      }
      metadata[member.key] = text
    }
    return metadata
  }

  /// Sorts entries by offsets and checks that they tile the buffer from 0 with no overlap and no
  /// gap (`Metadata::validate`); returns them in that order.
  private static func checkContiguous(
    _ entries: [SafetensorsHeaderEntry], invalid: (String) -> LorascopeError
  ) throws -> [SafetensorsHeaderEntry] {
    let sorted = entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var previous: SafetensorsHeaderEntry?
    for entry in sorted {
      let expectedBegin = previous?.end ?? 0
      if entry.begin < expectedBegin, let previous {
        throw invalid(
          "tensor \"\(entry.name)\": data_offsets \(entry.offsetsText) overlaps tensor \"\(previous.name)\" "
            + "(\(previous.offsetsText))")
      }
      if entry.begin > expectedBegin {
        if let previous {
          throw invalid(
            "tensor \"\(entry.name)\": gap of \(entry.begin - expectedBegin) bytes after tensor \"\(previous.name)\" "
              + "(\(previous.offsetsText)); tensors must be contiguous")
        }
        throw invalid(
          "tensor \"\(entry.name)\": data_offsets \(entry.offsetsText) leave a gap of \(entry.begin) bytes "
            + "at the start of the buffer; the first tensor must start at 0")
      }
      previous = entry
    }
    return sorted
  }
}
