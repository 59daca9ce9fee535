import Foundation

extension SafetensorsFile {
  /// Parses and validates a whole safetensors file held in memory.
  ///
  /// Checks what the reference reader checks (`SafeTensors::read_metadata` and
  /// `Metadata::validate`, Docs/Design.md §6) and more: header length within the file and ≤ 100 MB;
  /// header UTF-8, starting with `{`, a JSON object without duplicate keys (at any depth) and with
  /// nothing but whitespace after it; known dtypes; non-negative shapes whose byte size does not
  /// overflow; `data_offsets` two non-negative integers with `end − begin = numel × itemsize`;
  /// tensors contiguous from 0 with no overlap and no gap; data ending exactly at the end of the
  /// file; `__metadata__` values all strings. Every failure throws
  /// `LorascopeError.invalidFile(path:reason:)`; nothing traps.
  public static func decode(_ data: Data, path: String) throws -> SafetensorsFile {
    func invalid(_ reason: String) -> LorascopeError { .invalidFile(path: path, reason: reason) }

    let fileLength = data.count
    guard fileLength >= 8 else {
      throw invalid("file is \(fileLength) bytes, shorter than the 8-byte header length")
    }
    let base = data.startIndex
    var declared: UInt64 = 0
    for i in 0..<8 { declared |= UInt64(data[base + i]) << (8 * UInt64(i)) }
    guard declared <= UInt64(maxHeaderLength) else {
      throw invalid("header length \(declared) exceeds the limit of \(maxHeaderLength) bytes")
    }
    let headerLength = Int(declared)
    guard headerLength <= fileLength - 8 else {
      throw invalid("header length \(headerLength) runs past the end of the file (\(fileLength) bytes)")
    }

    let header = [UInt8](data[(base + 8)..<(base + 8 + headerLength)])
    guard String(validating: header, as: UTF8.self) != nil else { throw invalid("header is not valid UTF-8") }
    guard header.first == UInt8(ascii: "{") else { throw invalid("header does not start with '{'") }
    let root: JSONValue
    do {
      root = try JSONParser.parse(header)
    } catch {
      throw invalid("header is not valid JSON: \(error.description)")
    }
    guard let members = root.objectMembers else { throw invalid("header is not a JSON object") }

    var metadata: [String: String] = [:]
    var entries: [HeaderEntry] = []
    for member in members {
      if member.key == "__metadata__" {
        metadata = try parseMetadata(member.value, invalid: invalid)
      } else {
        entries.append(try HeaderEntry(name: member.key, value: member.value, invalid: invalid))
      }
    }

    let bufferLength = fileLength - 8 - headerLength
    let bufferEnd = try checkContiguous(entries, invalid: invalid)
    guard bufferEnd == bufferLength else {
      throw invalid(
        "tensor data ends at byte \(bufferEnd) of the buffer, but the file holds \(bufferLength) bytes after the header"
      )
    }

    // Each tensor is copied out of the (mapped) file below: a sparse file can declare any size,
    // so the copy is checked against memory first.
    try MemoryBudget.require(
      bytes: bufferLength, for: "the \(entries.count) tensors of \(path)",
      remedy: "this file is larger than lorascope loads whole; check that it is the intended checkpoint")
    var tensors: [String: SafetensorsTensor] = [:]
    let dataStart = base + 8 + headerLength
    for entry in entries {
      let bytes = Data(data[(dataStart + entry.begin)..<(dataStart + entry.end)])
      tensors[entry.name] = try SafetensorsTensor(
        name: entry.name, dtype: entry.dtype, shape: entry.shape, bytes: bytes)
    }
    return SafetensorsFile(tensors: tensors, metadata: metadata)
  }

  /// `__metadata__`: an object of strings (null is read as no metadata, like the reference).
  static func parseMetadata(
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
  /// gap (`Metadata::validate`); returns where the last one ends.
  static func checkContiguous(
    _ entries: [HeaderEntry], invalid: (String) -> LorascopeError
  ) throws -> Int {
    let sorted = entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var previous: HeaderEntry?
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
    return previous?.end ?? 0
  }
}

/// One tensor entry of a header, checked on its own (dtype, shape, offsets, byte count).
struct HeaderEntry {
  let name: String
  let dtype: SafetensorsDType
  let shape: [Int]
  let begin: Int
  let end: Int

  var offsetsText: String { "[\(begin), \(end)]" }

  static let subByteTypes: Set<String> = ["F4", "F6_E2M3", "F6_E3M2"]

  init(name: String, value: JSONValue, invalid: (String) -> LorascopeError) throws {
    func fail(_ reason: String) -> LorascopeError { invalid("tensor \"\(name)\": \(reason)") }
    guard let fields = value.objectMembers else { throw fail("entry is \(value.snippet), not an object") }
    for field in fields where !["dtype", "shape", "data_offsets"].contains(field.key) {
      throw fail("unexpected field \"\(field.key)\"")
    }

    guard let dtypeValue = value["dtype"] else { throw fail("missing \"dtype\"") }
    guard let dtypeName = dtypeValue.stringValue else { throw fail("dtype \(dtypeValue.snippet) is not a string") }
    guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
      if Self.subByteTypes.contains(dtypeName) { throw fail("sub-byte dtype \(dtypeName) is not supported") }
      throw fail("unknown dtype \"\(dtypeName)\"")
    }

    guard let shapeValue = value["shape"] else { throw fail("missing \"shape\"") }
    guard let shapeElements = shapeValue.arrayValue else { throw fail("shape \(shapeValue.snippet) is not an array") }
    var shape: [Int] = []
    for element in shapeElements {
      guard let dimension = element.intValue else {
        throw fail("shape entry \(element.snippet) is not an integer that fits in 64 bits")
      }
      guard dimension >= 0 else { throw fail("shape entry \(dimension) is negative") }
      shape.append(dimension)
    }

    guard let offsetsValue = value["data_offsets"] else { throw fail("missing \"data_offsets\"") }
    guard let offsets = offsetsValue.arrayValue, offsets.count == 2,
      let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= 0
    else {
      throw fail("data_offsets \(offsetsValue.snippet) is not two non-negative integers")
    }
    guard end >= begin else { throw fail("data_offsets [\(begin), \(end)] ends before it begins") }

    guard let count = SafetensorsTensor.elementCount(shape) else {
      throw fail("shape \(shape) overflows the element count")
    }
    let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
    guard !overflow else { throw fail("shape \(shape) of \(dtypeName) overflows the byte count") }
    guard end - begin == needed else {
      throw fail(
        "data_offsets [\(begin), \(end)] span \(end - begin) bytes, but \(dtypeName) \(shape) needs \(needed)")
    }

    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.begin = begin
    self.end = end
  }
}
