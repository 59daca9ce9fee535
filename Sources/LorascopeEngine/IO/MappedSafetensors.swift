import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where one tensor lies in a safetensors file, known from the header alone.
public struct SafetensorsTensorInfo: Sendable, Equatable {
  public let name: String
  public let dtype: SafetensorsDType
  public let shape: [Int]
  /// Absolute byte offsets in the file (header and its length prefix included).
  public let fileBegin: Int
  public let fileEnd: Int

  public var elementCount: Int { (fileEnd - fileBegin) / dtype.itemSize }
}

/// A safetensors file opened by its header: tensors are read one at a time through a memory
/// map (`floats(_:)`) or positioned reads (`readRows`), so a multi-gigabyte checkpoint is never
/// loaded whole (Docs/Design.md §6; issue 13: only the LoRA tensors of a full-model file are read).
///
/// The header gets the same checks as `SafetensorsFile.decode`: both go through
/// `SafetensorsHeader`.
public final class MappedSafetensors: @unchecked Sendable {
  public let path: String
  public let tensors: [String: SafetensorsTensorInfo]
  public let metadata: [String: String]
  public let fileSize: Int
  private let descriptor: Int32
  /// The read-only mapping of the whole file (pages are read only when touched); nil for an
  /// empty data section.
  private var mapping: UnsafeMutableRawPointer?

  public init(path: String) throws {
    func invalid(_ reason: String) -> LorascopeError { .invalidFile(path: path, reason: reason) }
    // O_NONBLOCK: opening a FIFO must not wait for a writer that never comes; the check below
    // then refuses anything but a regular file (reads of a regular file ignore the flag).
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw LorascopeError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
    var ok = false
    defer { if !ok { close(fd) } }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw LorascopeError.io("cannot stat \(path): \(String(cString: strerror(errno)))") }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw invalid("not a regular file; expected a safetensors file") }
    let size = Int(info.st_size)
    guard size >= 8 else { throw invalid("file is \(size) bytes, shorter than the 8-byte header length") }
    var prefix = [UInt8](repeating: 0, count: 8)
    try Self.readExactly(fd, into: &prefix, at: 0, path: path)
    // The length is checked against the file's real size before the header buffer is allocated.
    let headerLength = try SafetensorsHeader.length(prefix: prefix, fileSize: size, invalid: invalid)
    var headerBytes = [UInt8](repeating: 0, count: headerLength)
    try Self.readExactly(fd, into: &headerBytes, at: 8, path: path)
    let header = try SafetensorsHeader(bytes: headerBytes, fileSize: size, invalid: invalid)
    let dataStart = header.dataStart
    let metadata = header.metadata
    let entries = header.entries
    var byName: [String: SafetensorsTensorInfo] = [:]
    for e in entries {
      byName[e.name] = SafetensorsTensorInfo(
        name: e.name, dtype: e.dtype, shape: e.shape, fileBegin: dataStart + e.begin, fileEnd: dataStart + e.end)
    }
    self.path = path
    self.tensors = byName
    self.metadata = metadata
    self.fileSize = size
    self.descriptor = fd
    ok = true
  }

  deinit {
    if let mapping { munmap(mapping, fileSize) }
    close(descriptor)
  }

  /// The header entry of `name`, or an error naming the file and the tensor.
  public func info(_ name: String) throws -> SafetensorsTensorInfo {
    guard let info = tensors[name] else { throw LorascopeError.invalidFile(path: path, reason: "no tensor \"\(name)\"") }
    return info
  }

  /// A floating-point tensor (F32, F16, BF16 or F64) converted to `Float`, read through the
  /// memory map: only this tensor's pages are touched.
  public func floats(_ name: String) throws -> [Float] {
    let info = try info(name)
    // The shape comes from the header; a sparse file can back any size, so the array it asks for
    // is checked against memory before it is allocated.
    try MemoryBudget.require(
      bytes: MemoryBudget.bytes(of: [(info.elementCount, 1)], elementSize: MemoryLayout<Float>.size),
      for: "tensor \"\(name)\" of \(path) (\(info.dtype.rawValue) \(info.shape))",
      remedy: "this is not a tensor lorascope can load; check that the file is the intended checkpoint")
    let base = try mapped()
    let count = info.elementCount
    let start = base + info.fileBegin
    switch info.dtype {
    case .F32:
      return (0..<count).map { Float(bitPattern: UInt32(littleEndian: start.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    case .BF16:
      return (0..<count).map { BFloat16.float(bits: UInt16(littleEndian: start.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
    case .F16:
      return (0..<count).map { HalfFloat.float(bits: UInt16(littleEndian: start.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
    case .F64:
      return (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: start.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
    default:
      throw LorascopeError.invalidFile(
        path: path, reason: "tensor \"\(name)\" has dtype \(info.dtype.rawValue), not a float type (F32, F16, BF16, F64)")
    }
  }

  /// `floats(name)`, refusing a NaN or an infinity: a LoRA factor with one is a damaged or
  /// diverged checkpoint, and every number computed from it (penalty, spectrum) would be NaN.
  public func finiteFloats(_ name: String) throws -> [Float] {
    let values = try floats(name)
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      let shape = try info(name).shape
      let position = shape.count == 2 && shape[1] > 0 ? "[\(bad / shape[1]), \(bad % shape[1])]" : "\(bad)"
      throw LorascopeError.invalidFile(
        path: path,
        reason: "tensor \"\(name)\" holds \(values[bad]) at \(position): a LoRA factor must be finite (the checkpoint is damaged or its training diverged)")
    }
    return values
  }

  /// The integer values of an I64 or I32 tensor (small index tensors such as `module_offsets`).
  public func integers(_ name: String) throws -> [Int] {
    let info = try info(name)
    var bytes = [UInt8](repeating: 0, count: info.fileEnd - info.fileBegin)
    try Self.readExactly(descriptor, into: &bytes, at: info.fileBegin, path: path)
    switch info.dtype {
    case .I64:
      return (0..<info.elementCount).map { i in
        Int(Int64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self) }))
      }
    case .I32:
      return (0..<info.elementCount).map { i in
        Int(Int32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self) }))
      }
    default:
      throw LorascopeError.invalidFile(path: path, reason: "tensor \"\(name)\" has dtype \(info.dtype.rawValue), not I64 or I32")
    }
  }

  /// Reads columns `columns` of every row of the 2-D F32 or F64 tensor `name` into `out`
  /// (rows × columns.count, row-major, as Double) with one positioned read per row, so only
  /// that block is ever resident (the streamed spectrum reads G one module at a time).
  public func readColumns(
    _ name: String, columns: Range<Int>, into out: UnsafeMutableBufferPointer<Double>, scratch: inout [UInt8]
  ) throws {
    let info = try info(name)
    guard info.shape.count == 2, info.dtype == .F32 || info.dtype == .F64 else {
      throw LorascopeError.invalidFile(
        path: path, reason: "tensor \"\(name)\" is \(info.dtype.rawValue) \(info.shape), not a 2-D F32 or F64 matrix")
    }
    let rows = info.shape[0]
    let width = info.shape[1]
    guard columns.lowerBound >= 0, columns.upperBound <= width, out.count >= rows * columns.count else {
      throw LorascopeError.invalidFile(
        path: path, reason: "tensor \"\(name)\": columns \(columns) outside its \(width) columns")
    }
    let item = info.dtype.itemSize
    let count = columns.count
    guard count > 0, rows > 0, let outBase = out.baseAddress else { return }
    if scratch.count < count * item { scratch = [UInt8](repeating: 0, count: count * item) }
    for row in 0..<rows {
      let offset = info.fileBegin + (row * width + columns.lowerBound) * item
      try scratch.withUnsafeMutableBytes { raw in
        // scratch holds count · item > 0 bytes (resized above), so its base address exists.
        guard let scratchBase = raw.baseAddress else { return }
        try Self.readExactly(descriptor, into: scratchBase, count: count * item, at: offset, path: path)
        let target = outBase + row * count
        if item == 4 {
          for j in 0..<count {
            target[j] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self))))
          }
        } else {
          for j in 0..<count {
            target[j] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * j, as: UInt64.self)))
          }
        }
      }
    }
  }

  // MARK: - Helpers

  private func mapped() throws -> UnsafeRawPointer {
    if let mapping { return UnsafeRawPointer(mapping) }
    let address = mmap(nil, fileSize, PROT_READ, MAP_PRIVATE, descriptor, 0)
    guard let address, address != MAP_FAILED else {
      throw LorascopeError.io("cannot map \(path): \(String(cString: strerror(errno)))")
    }
    mapping = address
    return UnsafeRawPointer(address)
  }

  private static func readExactly(_ fd: Int32, into buffer: inout [UInt8], at offset: Int, path: String) throws {
    let count = buffer.count
    try buffer.withUnsafeMutableBytes { raw in
      guard let base = raw.baseAddress else { return }
      try readExactly(fd, into: base, count: count, at: offset, path: path)
    }
  }

  private static func readExactly(_ fd: Int32, into base: UnsafeMutableRawPointer, count: Int, at offset: Int, path: String) throws {
    var done = 0
    while done < count {
      let got = pread(fd, base + done, count - done, off_t(offset + done))
      if got < 0 {
        if errno == EINTR { continue }
        throw LorascopeError.io("cannot read \(path): \(String(cString: strerror(errno)))")
      }
      guard got > 0 else { throw LorascopeError.invalidFile(path: path, reason: "unexpected end of file at byte \(offset + done)") }
      done += got
    }
  }
}
