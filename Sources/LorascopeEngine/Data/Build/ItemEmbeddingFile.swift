import Foundation

/// Reads item vectors a user supplies (Docs/Design.md §4.4): a NumPy `.npy` file, or a
/// `.safetensors` file holding one 2-D tensor (what `safetensors.torch.save_file` writes from a
/// PyTorch embedding table), of float32 or float64, shape `[n_items, d]`, C order; and a text
/// file with the `n_items` item ids, one a line.
enum ItemEmbeddingFile {
  /// Vectors by item id, and their dimension; the format by the file's extension.
  static func read(_ path: String, ids idsPath: String) throws -> (vectors: [String: [Float]], dimension: Int) {
    if path.lowercased().hasSuffix(".safetensors") { return try read(safetensors: path, ids: idsPath) }
    return try read(npy: path, ids: idsPath)
  }

  /// The one 2-D float tensor of a safetensors file as rows, checked like a `.npy` file's.
  static func read(safetensors path: String, ids idsPath: String) throws -> (vectors: [String: [Float]], dimension: Int) {
    func fail(_ reason: String) -> LorascopeError { .invalidFile(path: path, reason: reason) }
    let file = try SafetensorsFile.read(from: URL(fileURLWithPath: path))
    guard file.tensors.count == 1, let tensor = file.tensors.values.first else {
      throw fail("expected one tensor [n_items, d], found \(file.tensors.count) (\(file.orderedTensorNames.prefix(5).joined(separator: ", ")))")
    }
    guard tensor.shape.count == 2, tensor.shape[0] > 0, tensor.shape[1] > 0 else {
      throw fail("tensor \(ErrorQuote.quoted(tensor.name)) must be [n_items, d], not \(tensor.shape)")
    }
    let values: [Float]
    switch tensor.dtype {
    case .F32: values = try tensor.floats()
    case .F64: values = try tensor.doubles().map(Float.init)
    default: throw fail("tensor \(ErrorQuote.quoted(tensor.name)) is \(tensor.dtype.rawValue); it must be F32 or F64")
    }
    return try byID(values, rows: tensor.shape[0], dimension: tensor.shape[1], path: path, ids: idsPath)
  }

  /// Vectors by item id, and their dimension, from a `.npy` file.
  static func read(npy path: String, ids idsPath: String) throws -> (vectors: [String: [Float]], dimension: Int) {
    func fail(_ reason: String) -> LorascopeError { .invalidFile(path: path, reason: reason) }
    let bytes = try RegularFileReader.bytes(atPath: path, expected: "the item vectors")
    guard bytes.count >= 10, bytes.starts(with: [0x93] + Array("NUMPY".utf8)) else { throw fail("not a .npy file (no \\x93NUMPY magic)") }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    if major == 1 {
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    } else {
      guard bytes.count >= 12 else { throw fail("truncated header") }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    }
    guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
    let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
    let width: Int
    if header.contains("'<f4'") { width = 4 } else if header.contains("'<f8'") { width = 8 } else {
      throw fail("the array must be little-endian float32 or float64 ('<f4' or '<f8'); the header says \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
    guard header.contains("'fortran_order': False") else { throw fail("the array must be in C order (fortran_order False)") }
    guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
      throw fail("no shape in the header")
    }
    let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard shape.count == 2, shape[0] > 0, shape[1] > 0 else { throw fail("the shape must be [n_items, d], not \(shape)") }
    let (rows, dimension) = (shape[0], shape[1])
    let start = headerStart + headerLength
    // The header's shape is untrusted: its product must not overflow before it is compared.
    let (cells, cellsOverflow) = rows.multipliedReportingOverflow(by: dimension)
    let (dataBytes, bytesOverflow) = cells.multipliedReportingOverflow(by: width)
    guard !cellsOverflow, !bytesOverflow, bytes.count - start == dataBytes else {
      throw fail("\(bytes.count - start) data bytes for shape [\(rows), \(dimension)] of \(width)-byte floats")
    }
    var values = [Float](repeating: 0, count: cells)
    for cell in 0..<cells {
      let offset = start + cell * width
      var bits: UInt64 = 0
      for b in 0..<width { bits |= UInt64(bytes[offset + b]) << (8 * UInt64(b)) }
      values[cell] = width == 4 ? Float(bitPattern: UInt32(bits)) : Float(Double(bitPattern: bits))
    }
    return try byID(values, rows: rows, dimension: dimension, path: path, ids: idsPath)
  }

  /// `values` ([rows, dimension], C order) by the ids of `idsPath`, one a line: as many ids as
  /// rows, each once, every value finite.
  private static func byID(
    _ values: [Float], rows: Int, dimension: Int, path: String, ids idsPath: String
  ) throws -> (vectors: [String: [Float]], dimension: Int) {
    let idText = String(decoding: try RegularFileReader.bytes(atPath: idsPath, expected: "the item id list"), as: UTF8.self)
    let ids = idText.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .reversed().drop { $0.isEmpty }.reversed()
    guard ids.count == rows else {
      throw LorascopeError.invalidFile(path: idsPath, reason: "\(ids.count) item ids for \(rows) rows in \(path)")
    }
    var vectors: [String: [Float]] = [:]
    for (row, id) in ids.enumerated() {
      let vector = Array(values[(row * dimension)..<((row + 1) * dimension)])
      guard vector.allSatisfy(\.isFinite) else {
        throw LorascopeError.invalidFile(path: path, reason: "row \(row) (item \(ErrorQuote.quoted(id))) has a non-finite value")
      }
      guard vectors.updateValue(vector, forKey: id) == nil else {
        throw LorascopeError.invalidFile(path: idsPath, reason: "line \(row + 1): item id \(ErrorQuote.quoted(id)) appears twice")
      }
    }
    return (vectors, dimension)
  }
}
