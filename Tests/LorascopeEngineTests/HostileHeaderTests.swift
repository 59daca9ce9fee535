import Foundation
import Testing

@testable import LorascopeEngine

/// safetensors files whose headers lie: sizes near Int.max, zero modules, and sparse files whose
/// declared tensors are far larger than memory (issue 26, defects 2 and 3). Each must give an
/// error naming the file, never a trap or an allocation the size of the header's claim.
@Suite struct HostileHeaderTests {
  /// Writes a safetensors file by hand: the header `tensors` (name → dtype, shape, offsets),
  /// `metadata`, the bytes `data` at the start of the buffer, and then extends the file (sparse,
  /// nothing written) to `bufferLength` bytes of tensor data.
  static func writeRaw(
    _ tensors: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)], metadata: [String: String],
    data: [UInt8], bufferLength: Int, to url: URL
  ) throws {
    var parts: [String] = []
    if !metadata.isEmpty {
      let fields = metadata.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\(jsonString($0.value))" }
      parts.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
    }
    for t in tensors {
      parts.append("\"\(t.name)\":{\"dtype\":\"\(t.dtype)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(t.begin),\(t.end)]}")
    }
    var header = Array("{\(parts.joined(separator: ","))}".utf8)
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes += header + data
    try Data(bytes).write(to: url)
    let handle = try FileHandle(forWritingTo: url)
    try handle.truncate(atOffset: UInt64(8 + header.count + bufferLength))
    try handle.close()
  }

  static func jsonString(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }

  static func int64s(_ values: [Int]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) } }
  }

  /// A gradient file: `module_offsets` (I64, first in the buffer), then G (sparse).
  static func writeGradients(rows: Int, columns: Int, dtype: String = "F32", offsets: [Int], modules: String, to url: URL) throws {
    let offsetBytes = int64s(offsets)
    let item = dtype == "F64" ? 8 : 4
    let gBytes = rows * columns * item
    try writeRaw(
      [
        ("module_offsets", "I64", [offsets.count], 0, offsetBytes.count),
        ("G", dtype, [rows, columns], offsetBytes.count, offsetBytes.count + gBytes),
      ], metadata: ["format": "pt", "modules": modules], data: offsetBytes, bufferLength: offsetBytes.count + gBytes, to: url)
  }

  @Test("a gradient file with zero modules (G [4, 0], modules []) is an error naming it")
  func zeroModules() throws {
    let dir = try ImportFixtures.temporaryDirectory("zero-modules")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("g.safetensors")
    try Self.writeGradients(rows: 4, columns: 0, offsets: [0], modules: "[]", to: url)
    let error = try #require(throws: LorascopeError.self) {
      let files = try GradientFiles(paths: [url.path])
      _ = try StreamedSpectrumSolver.solve(gradients: files, selection: [0], anchorLogits: { _ in [] })
    }
    #expect(error.description.contains(url.path) && error.description.contains("no module"), "\(error)")
  }

  @Test("two gradient files of 2^62 rows each are an error, not an arithmetic overflow")
  func rowCountOverflow() throws {
    let dir = try ImportFixtures.temporaryDirectory("row-overflow")
    defer { try? FileManager.default.removeItem(at: dir) }
    // G [2^62, 0] holds 0 bytes, so the file check passes; only zero columns (no modules) make
    // such a row count possible, and the sum of two of them used to trap.
    let a = dir.appendingPathComponent("a.safetensors")
    let b = dir.appendingPathComponent("b.safetensors")
    for url in [a, b] { try Self.writeGradients(rows: 1 << 62, columns: 0, offsets: [0], modules: "[]", to: url) }
    let error = try #require(throws: LorascopeError.self) { _ = try GradientFiles(paths: [a.path, b.path]) }
    #expect(error.description.contains(a.path) || error.description.contains(b.path), "\(error)")
  }

  @Test("a sparse gradient file declaring G [2^34, 1] is refused before allocating its rows")
  func hugeSparseGradients() throws {
    let dir = try ImportFixtures.temporaryDirectory("huge-gradients")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("g.safetensors")
    try Self.writeGradients(rows: 1 << 34, columns: 1, dtype: "F64", offsets: [0, 1], modules: "[\"m\"]", to: url)
    let files = try GradientFiles(paths: [url.path])
    let error = try #require(throws: LorascopeError.self) {
      _ = try StreamedSpectrumSolver.solve(gradients: files, selection: [0], anchorLogits: { _ in [0] })
    }
    #expect(error.description.contains(url.path) && error.description.contains("memory"), "\(error)")
  }

  @Test("a sparse PEFT adapter whose lora_A is [8, 2^32] is refused before allocating it")
  func hugeSparseAdapter() throws {
    let dir = try ImportFixtures.temporaryDirectory("huge-adapter")
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(#"{"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj"]}"#.utf8)
      .write(to: dir.appendingPathComponent("adapter_config.json"))
    let url = dir.appendingPathComponent("adapter_model.safetensors")
    let prefix = "base_model.model.model.layers.0.self_attn.q_proj"
    let aBytes = 8 * (1 << 32) * 4
    let bBytes = 16 * 8 * 4
    try Self.writeRaw(
      [
        ("\(prefix).lora_B.weight", "F32", [16, 8], 0, bBytes),
        ("\(prefix).lora_A.weight", "F32", [8, 1 << 32], bBytes, bBytes + aBytes),
      ], metadata: ["format": "pt"], data: [], bufferLength: bBytes + aBytes, to: url)
    let error = try #require(throws: LorascopeError.self) { _ = try PEFTCheckpointReader.read(dir) }
    #expect(error.description.contains(url.path) && error.description.contains("memory"), "\(error)")
    let whole = try #require(throws: LorascopeError.self) { _ = try SafetensorsFile.read(from: url) }
    #expect(whole.description.contains(url.path) && whole.description.contains("memory"), "\(whole)")
  }
}
