import Foundation

extension SafetensorsFile {
  /// Parses and validates a whole safetensors file held in memory.
  ///
  /// The header gets `SafetensorsHeader`'s checks (those of the reference reader and more);
  /// every failure throws `LorascopeError.invalidFile(path:reason:)`; nothing traps.
  public static func decode(_ data: Data, path: String) throws -> SafetensorsFile {
    func invalid(_ reason: String) -> LorascopeError { .invalidFile(path: path, reason: reason) }

    let base = data.startIndex
    let headerLength = try SafetensorsHeader.length(prefix: data.prefix(8), fileSize: data.count, invalid: invalid)
    let header = try SafetensorsHeader(
      bytes: [UInt8](data[(base + 8)..<(base + 8 + headerLength)]), fileSize: data.count, invalid: invalid)
    let entries = header.entries
    let bufferLength = data.count - header.dataStart

    // Each tensor is copied out of the (mapped) file below: a sparse file can declare any size,
    // so the copy is checked against memory first.
    try MemoryBudget.require(
      bytes: bufferLength, for: "the \(entries.count) tensors of \(path)",
      remedy: "this file is larger than lorascope loads whole; check that it is the intended checkpoint")
    var tensors: [String: SafetensorsTensor] = [:]
    let dataStart = base + header.dataStart
    for entry in entries {
      let bytes = Data(data[(dataStart + entry.begin)..<(dataStart + entry.end)])
      tensors[entry.name] = try SafetensorsTensor(
        name: entry.name, dtype: entry.dtype, shape: entry.shape, bytes: bytes)
    }
    return SafetensorsFile(tensors: tensors, metadata: header.metadata)
  }
}
