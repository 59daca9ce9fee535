import Foundation

/// An element type of the safetensors format (`enum Dtype` of huggingface/safetensors).
///
/// The cases are declared in the reference's order — increasing alignment — which the writer
/// uses to order tensors (Docs/Design.md §6). Sub-byte types (F4, F6_*) are not supported.
public enum SafetensorsDType: String, CaseIterable, Codable, Sendable {
  case BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64

  /// Bytes per element.
  public var itemSize: Int {
    switch self {
    case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3, .F8_E8M0: return 1
    case .I16, .U16, .F16, .BF16: return 2
    case .I32, .U32, .F32: return 4
    case .C64, .F64, .I64, .U64: return 8
    }
  }

  /// Position in the reference's `enum Dtype`; its writer sorts tensors by this, descending.
  var writerRank: Int {
    switch self {
    case .BOOL: return 0
    case .U8: return 1
    case .I8: return 2
    case .F8_E5M2: return 3
    case .F8_E4M3: return 4
    case .F8_E8M0: return 5
    case .I16: return 6
    case .U16: return 7
    case .F16: return 8
    case .BF16: return 9
    case .I32: return 10
    case .U32: return 11
    case .F32: return 12
    case .C64: return 13
    case .F64: return 14
    case .I64: return 15
    case .U64: return 16
    }
  }
}

/// One named tensor of a safetensors file: little-endian, row-major bytes with a dtype and shape.
///
/// The initializers check that the bytes fill the shape exactly, so every value of this type
/// encodes to a valid file.
public struct SafetensorsTensor: Equatable, Sendable {
  public let name: String
  public let dtype: SafetensorsDType
  public let shape: [Int]
  public let bytes: Data

  /// A tensor from raw little-endian bytes; throws unless `bytes.count == numel × itemSize`.
  public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: Data) throws {
    guard let count = Self.elementCount(shape) else {
      throw LorascopeError.invalidConfiguration("tensor \(name): invalid shape \(shape)")
    }
    let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
    guard !overflow, bytes.count == needed else {
      throw LorascopeError.invalidConfiguration(
        "tensor \(name): \(bytes.count) bytes do not fill \(dtype.rawValue) \(shape)")
    }
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes.startIndex == 0 ? bytes : Data(bytes)
  }

  /// An F32 tensor; throws unless `floats.count` is the element count of `shape`.
  public init(name: String, floats: [Float], shape: [Int]) throws {
    try self.init(name: name, dtype: .F32, shape: shape, bytes: Self.pack(floats.map(\.bitPattern)))
  }

  /// An F64 tensor; throws unless `doubles.count` is the element count of `shape`.
  public init(name: String, doubles: [Double], shape: [Int]) throws {
    try self.init(name: name, dtype: .F64, shape: shape, bytes: Self.pack(doubles.map(\.bitPattern)))
  }

  /// An I32 tensor; throws unless `int32s.count` is the element count of `shape`.
  public init(name: String, int32s: [Int32], shape: [Int]) throws {
    try self.init(name: name, dtype: .I32, shape: shape, bytes: Self.pack(int32s))
  }

  /// An I64 tensor; throws unless `int64s.count` is the element count of `shape`.
  public init(name: String, int64s: [Int64], shape: [Int]) throws {
    try self.init(name: name, dtype: .I64, shape: shape, bytes: Self.pack(int64s))
  }

  /// The number of elements (the product of the shape; 1 for a scalar).
  public var elementCount: Int { bytes.count / dtype.itemSize }

  /// The values of an F32 tensor.
  ///
  /// Throws `LorascopeError.invalidFile` whose `path` is the tensor's name when the dtype differs.
  public func floats() throws -> [Float] {
    try expect(.F32)
    return unpack(UInt32.self).map(Float.init(bitPattern:))
  }

  /// The values of an F64 tensor (throws on another dtype, like `floats()`).
  public func doubles() throws -> [Double] {
    try expect(.F64)
    return unpack(UInt64.self).map(Double.init(bitPattern:))
  }

  /// The values of an I32 tensor (throws on another dtype, like `floats()`).
  public func int32s() throws -> [Int32] {
    try expect(.I32)
    return unpack(Int32.self)
  }

  /// The values of an I64 tensor (throws on another dtype, like `floats()`).
  public func int64s() throws -> [Int64] {
    try expect(.I64)
    return unpack(Int64.self)
  }

  // MARK: - Helpers

  /// The product of `shape`, or nil when an entry is negative or the product overflows.
  static func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }

  private func expect(_ wanted: SafetensorsDType) throws {
    guard dtype == wanted else {
      throw LorascopeError.invalidFile(
        path: name, reason: "tensor has dtype \(dtype.rawValue), not \(wanted.rawValue)")
    }
  }

  private static func pack<T: FixedWidthInteger>(_ values: [T]) -> Data {
    let size = MemoryLayout<T>.size
    var data = Data(count: values.count * size)
    data.withUnsafeMutableBytes { raw in
      for (i, value) in values.enumerated() {
        raw.storeBytes(of: value.littleEndian, toByteOffset: i * size, as: T.self)
      }
    }
    return data
  }

  private func unpack<T: FixedWidthInteger>(_: T.Type) -> [T] {
    let size = MemoryLayout<T>.size
    let count = bytes.count / size
    return bytes.withUnsafeBytes { raw in
      [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        for i in 0..<count {
          buffer[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * size, as: T.self))
        }
        initialized = count
      }
    }
  }
}

/// A safetensors file: tensors by name plus the string-to-string `__metadata__`.
///
/// Encoding reproduces the reference writer byte for byte (Docs/Design.md §6): u64 little-endian header
/// length, compact JSON header with `__metadata__` first, tensors ordered by dtype alignment
/// descending then name ascending, header padded with spaces to a multiple of 8, data contiguous.
public struct SafetensorsFile: Equatable, Sendable {
  /// The reference reader's limit on the header length.
  public static let maxHeaderLength = 100_000_000

  /// Tensors by name. The dictionary key is the name that is written.
  public var tensors: [String: SafetensorsTensor]
  /// `__metadata__`. `encode()` adds `"format": "pt"` when no format is given, because
  /// `transformers` refuses files without it.
  public var metadata: [String: String]

  public init(tensors: [String: SafetensorsTensor] = [:], metadata: [String: String] = ["format": "pt"]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// A file from a list of tensors; throws when two tensors share a name.
  public init(tensors list: [SafetensorsTensor], metadata: [String: String] = ["format": "pt"]) throws {
    var byName: [String: SafetensorsTensor] = [:]
    for tensor in list {
      guard byName.updateValue(tensor, forKey: tensor.name) == nil else {
        throw LorascopeError.invalidConfiguration("two tensors are named \(tensor.name)")
      }
    }
    self.init(tensors: byName, metadata: metadata)
  }

  /// Tensor names in the reference writer's order: dtype alignment descending, then name
  /// ascending by UTF-8 bytes (Rust's `String` order).
  public var orderedTensorNames: [String] {
    tensors.sorted { left, right in
      let l = left.value.dtype.writerRank
      let r = right.value.dtype.writerRank
      if l != r { return l > r }
      return left.key.utf8.lexicographicallyPrecedes(right.key.utf8)
    }.map(\.key)
  }

  /// The file's bytes, exactly as `safetensors.torch.save_file` would write them.
  public func encode() -> Data {
    var meta = metadata
    if meta["format"] == nil { meta["format"] = "pt" }
    let metaMembers =
      meta
      .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
      .map { JSONMember($0.key, .string($0.value)) }
    var members = [JSONMember("__metadata__", .object(metaMembers))]
    let ordered = orderedTensorNames.compactMap { name in tensors[name].map { (name, $0) } }
    var offset = 0
    for (name, tensor) in ordered {
      let end = offset + tensor.bytes.count
      let entry: [JSONMember] = [
        JSONMember("dtype", .string(tensor.dtype.rawValue)),
        JSONMember("shape", .array(tensor.shape.map(JSONValue.integer))),
        JSONMember("data_offsets", .array([.integer(offset), .integer(end)])),
      ]
      members.append(JSONMember(name, .object(entry)))
      offset = end
    }
    var header = Array(JSONText.compact(.object(members)).utf8)
    header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

    var data = Data(capacity: 8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    for (_, tensor) in ordered { data.append(tensor.bytes) }
    return data
  }

  /// Writes `encode()` atomically (temporary file + rename, Docs/Design.md §6).
  public func write(to url: URL) throws {
    try AtomicFile.write(encode(), to: url)
  }

  /// Reads and validates a file (see `decode(_:path:)`).
  public static func read(from url: URL) throws -> SafetensorsFile {
    // Checked before reading: a FIFO would block the read forever, and a (sparse) file larger
    // than memory would fail inside Foundation with a message that names neither file nor remedy.
    var status = stat()
    guard stat(url.path, &status) == 0 else {
      throw LorascopeError.io("cannot read \(url.path): \(String(cString: strerror(errno)))")
    }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
      throw LorascopeError.invalidFile(path: url.path, reason: "not a regular file; expected a safetensors file")
    }
    try MemoryBudget.require(
      bytes: Int(status.st_size), for: "reading \(url.path) whole",
      remedy: "this file is larger than lorascope loads whole; check that it is the intended checkpoint")
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw LorascopeError.io("cannot read \(url.path): \(error.localizedDescription)")
    }
    return try decode(data, path: url.path)
  }
}
