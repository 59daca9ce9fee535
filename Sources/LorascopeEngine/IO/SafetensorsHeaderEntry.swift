/// One tensor entry of a header, checked on its own (dtype, shape, offsets, byte count).
struct SafetensorsHeaderEntry {
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
