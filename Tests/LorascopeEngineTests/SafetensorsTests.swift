import Foundation
import Testing

@testable import LorascopeEngine

/// The safetensors reader and writer against the reference format (Docs/Design.md §6).
@Suite struct SafetensorsTests {
  // MARK: - Fixtures

  /// Written by `safetensors.torch.save(tensors, metadata={"format": "pt"})` (safetensors 0.8.0)
  /// for the tensors of `referenceTensors()`; it pins the reference writer's exact bytes.
  static let referenceFileBase64 =
    "iAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCJ9LCJzdGVwIjp7ImR0eXBlIjoiSTY0Iiwic2hhcGUiOlsxXSwiZGF0YV9vZmZzZXRzIjpbMCw4XX0sInNjYWxlIjp7ImR0eXBlIjoiRjY0Iiwic2hhcGUiOltdLCJkYXRhX29mZnNldHMiOls4LDE2XX0sImVtcHR5Ijp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlswLDNdLCJkYXRhX29mZnNldHMiOlsxNiwxNl19LCJsYXllci5hIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsyLDNdLCJkYXRhX29mZnNldHMiOlsxNiw0MF19LCJsYXllci5iIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsyXSwiZGF0YV9vZmZzZXRzIjpbNDAsNDhdfSwiY291bnQiOnsiZHR5cGUiOiJJMzIiLCJzaGFwZSI6WzJdLCJkYXRhX29mZnNldHMiOls0OCw1Nl19fSAgIAcAAAAAAAAAAAAAAAAA0D8AAIA/AAAAQAAAQEAAAIBAAACgQAAAwEAAAMA/AAAAwP3///8EAAAA"

  static func referenceTensors() throws -> [SafetensorsTensor] {
    [
      try SafetensorsTensor(name: "layer.b", floats: [1.5, -2.0], shape: [2]),
      try SafetensorsTensor(name: "layer.a", floats: [1, 2, 3, 4, 5, 6], shape: [2, 3]),
      try SafetensorsTensor(name: "step", int64s: [7], shape: [1]),
      try SafetensorsTensor(name: "scale", doubles: [0.25], shape: []),
      try SafetensorsTensor(name: "count", int32s: [-3, 4], shape: [2]),
      try SafetensorsTensor(name: "empty", floats: [], shape: [0, 3]),
    ]
  }

  /// A file made by hand: `header` padded with `pad` to a multiple of 8, then `data`.
  static func rawFile(header: String, data: [UInt8], pad: UInt8 = 0x20, declaredLength: UInt64? = nil) -> Data {
    var headerBytes = Array(header.utf8)
    headerBytes.append(contentsOf: repeatElement(pad, count: (8 - headerBytes.count % 8) % 8))
    var file = Data()
    withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { file.append(contentsOf: $0) }
    file.append(contentsOf: headerBytes)
    file.append(contentsOf: data)
    return file
  }

  static func headerText(of file: Data) -> String {
    let n = Int(file.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    return String(decoding: file[8..<(8 + n)], as: UTF8.self)
  }

  /// The reason of an `invalidFile` error, or a marker that says what else happened.
  static func rejectionReason(_ data: Data) -> String {
    do {
      _ = try SafetensorsFile.decode(data, path: "fixture.safetensors")
      return "<accepted>"
    } catch LorascopeError.invalidFile(let path, let reason) {
      return path == "fixture.safetensors" ? reason : "<wrong path \(path)>"
    } catch {
      return "<other error \(error)>"
    }
  }

  // MARK: - Writing like the reference

  @Test func encodesExactlyLikeTheReferenceWriter() throws {
    let file = try SafetensorsFile(tensors: Self.referenceTensors())
    let reference = try #require(Data(base64Encoded: Self.referenceFileBase64))
    #expect(file.encode() == reference)
  }

  @Test func decodesTheReferenceFile() throws {
    let reference = try #require(Data(base64Encoded: Self.referenceFileBase64))
    let file = try SafetensorsFile.decode(reference, path: "reference.safetensors")
    #expect(file.metadata == ["format": "pt"])
    #expect(try file.tensors["layer.a"]?.floats() == [1, 2, 3, 4, 5, 6])
    #expect(file.tensors["layer.a"]?.shape == [2, 3])
    #expect(try file.tensors["layer.b"]?.floats() == [1.5, -2.0])
    #expect(try file.tensors["step"]?.int64s() == [7])
    #expect(try file.tensors["scale"]?.doubles() == [0.25])
    #expect(file.tensors["scale"]?.shape == [])
    #expect(try file.tensors["count"]?.int32s() == [-3, 4])
    #expect(file.tensors["empty"]?.shape == [0, 3])
    #expect(file.tensors["empty"]?.elementCount == 0)
  }

  @Test func roundTripIsByteExact() throws {
    var tensors = try Self.referenceTensors()
    tensors.append(try SafetensorsTensor(name: "bytes", dtype: .U8, shape: [3], bytes: Data([1, 2, 255])))
    tensors.append(try SafetensorsTensor(name: "we\"ird/näme\u{1}", floats: [.pi, -0.0, .infinity], shape: [3]))
    let original = try SafetensorsFile(tensors: tensors, metadata: ["format": "pt", "note": "λ = 0.5"])
    let first = original.encode()
    let decoded = try SafetensorsFile.decode(first, path: "memory")
    #expect(decoded == original)
    #expect(decoded.encode() == first)

    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "lorascope-st-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try original.write(to: url)
    let reread = try SafetensorsFile.read(from: url)
    #expect(reread == original)
    #expect(try Data(contentsOf: url) == first)
  }

  @Test func headerIsSpacePaddedWithMetadataFirstAndFileLengthIsExact() throws {
    let file = SafetensorsFile(
      tensors: ["w": try SafetensorsTensor(name: "w", floats: [1, 2, 3], shape: [3])], metadata: [:])
    let bytes = file.encode()
    let header = Self.headerText(of: bytes)
    let json = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#
    let padding = (8 - json.utf8.count % 8) % 8
    #expect(padding > 0)  // the fixture really exercises padding
    #expect(header == json + String(repeating: " ", count: padding))
    #expect(header.utf8.count % 8 == 0)
    #expect(bytes.count == 8 + header.utf8.count + 12)
  }

  @Test func tensorsAreOrderedByAlignmentThenName() throws {
    let file = try SafetensorsFile(tensors: [
      SafetensorsTensor(name: "a", floats: [1], shape: [1]),
      SafetensorsTensor(name: "z", doubles: [1], shape: [1]),
      SafetensorsTensor(name: "m", int64s: [1], shape: [1]),
      SafetensorsTensor(name: "b", int32s: [1], shape: [1]),
      SafetensorsTensor(name: "B", floats: [1], shape: [1]),
      SafetensorsTensor(name: "u8", dtype: .U8, shape: [1], bytes: Data([9])),
    ])
    let expected = ["m", "z", "B", "a", "b", "u8"]  // I64 > F64 > F32 (B < a by bytes) > I32 > U8
    #expect(file.orderedTensorNames == expected)
    let header = Self.headerText(of: file.encode())
    let positions = expected.map { header.range(of: "\"\($0)\":")!.lowerBound }
    #expect(positions == positions.sorted())
    #expect(header.contains(#""m":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}"#))
    #expect(header.contains(#""u8":{"dtype":"U8","shape":[1],"data_offsets":[28,29]}"#))
  }

  // MARK: - Typed access

  @Test func typedAccessorsCheckTheDtype() throws {
    let tensor = try SafetensorsTensor(name: "x", doubles: [1, 2], shape: [2])
    #expect(try tensor.doubles() == [1, 2])
    do {
      _ = try tensor.floats()
      Issue.record("floats() accepted an F64 tensor")
    } catch LorascopeError.invalidFile(let path, let reason) {
      #expect(path == "x")
      #expect(reason.contains("F64, not F32"))
    }
    #expect(throws: LorascopeError.self) { try tensor.int64s() }
  }

  @Test func initializersRejectValuesThatDoNotFillTheShape() {
    #expect(throws: LorascopeError.self) { try SafetensorsTensor(name: "x", floats: [1, 2, 3], shape: [2, 2]) }
    #expect(throws: LorascopeError.self) { try SafetensorsTensor(name: "x", floats: [], shape: [-1]) }
    #expect(throws: LorascopeError.self) {
      try SafetensorsTensor(name: "x", dtype: .F16, shape: [2], bytes: Data([0, 0]))
    }
    #expect(throws: LorascopeError.self) {
      try SafetensorsFile(tensors: [
        SafetensorsTensor(name: "x", floats: [1], shape: [1]), SafetensorsTensor(name: "x", floats: [2], shape: [1]),
      ])
    }
  }

  @Test func readingAMissingFileIsAnIOErrorNamingThePath() {
    let url = URL(fileURLWithPath: "/nonexistent/lorascope/model.safetensors")
    do {
      _ = try SafetensorsFile.read(from: url)
      Issue.record("read a file that does not exist")
    } catch LorascopeError.io(let why) {
      #expect(why.contains(url.path))
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  // MARK: - Rejection

  struct BadFile: Sendable, CustomTestStringConvertible {
    let label: String
    let data: Data
    let reason: String
    var testDescription: String { label }
  }

  static let f32Pair = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#

  static let badFiles: [BadFile] = [
    BadFile(label: "truncated", data: Data([1, 2, 3]), reason: "shorter than the 8-byte header length"),
    BadFile(
      label: "header length beyond the file",
      data: rawFile(header: "{}", data: [], declaredLength: 64), reason: "runs past the end of the file"),
    BadFile(
      label: "header over 100 MB",
      data: rawFile(header: "{}", data: [], declaredLength: 100_000_001), reason: "exceeds the limit of 100000000"),
    BadFile(
      label: "overlapping offsets",
      data: rawFile(
        header: f32Pair + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
        data: .init(repeating: 0, count: 12)),
      reason: "overlaps tensor \"a\""),
    BadFile(
      label: "gap between tensors",
      data: rawFile(
        header: f32Pair + #""b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#,
        data: .init(repeating: 0, count: 20)),
      reason: "gap of 4 bytes"),
    BadFile(
      label: "first tensor not at 0",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#, data: [0, 0, 0]),
      reason: "the first tensor must start at 0"),
    BadFile(
      label: "byte count does not match dtype and shape",
      data: rawFile(
        header: #"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, data: .init(repeating: 0, count: 20)),
      reason: "span 20 bytes, but F32 [2, 3] needs 24"),
    BadFile(
      label: "data beyond the last tensor",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0, 0]),
      reason: "holds 3 bytes after the header"),
    BadFile(
      label: "unknown dtype",
      data: rawFile(header: #"{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
      reason: "unknown dtype \"F33\""),
    BadFile(
      label: "duplicate keys",
      data: rawFile(
        header:
          #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#,
        data: [0, 0]),
      reason: "duplicate key \"a\""),
    BadFile(
      label: "duplicate keys inside an entry",
      data: rawFile(header: #"{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0]),
      reason: "duplicate key \"dtype\""),
    BadFile(
      label: "NUL padding",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0], pad: 0),
      reason: "byte 0x00 after the end of the JSON value"),
    BadFile(
      label: "header not starting with {",
      data: rawFile(header: #" {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0]),
      reason: "does not start with '{'"),
    BadFile(
      label: "header not UTF-8",
      data: rawFile(header: "{\"a\u{E9}\":1}", data: []).replacingFirstByte(0xC3, with: 0xFF),
      reason: "not valid UTF-8"),
    BadFile(label: "header not JSON", data: rawFile(header: "{\"a\":}", data: []), reason: "not valid JSON"),
    BadFile(
      label: "negative shape",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}"#, data: []),
      reason: "shape entry -1 is negative"),
    BadFile(
      label: "element count overflow",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#, data: []),
      reason: "overflows the element count"),
    BadFile(
      label: "byte count overflow",
      data: rawFile(header: #"{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}}"#, data: []),
      reason: "overflows the byte count"),
    BadFile(
      label: "three data offsets",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}"#, data: [0]),
      reason: "is not two non-negative integers"),
    BadFile(
      label: "end before begin",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[2,1]}}"#, data: [0, 0]),
      reason: "ends before it begins"),
    BadFile(
      label: "fractional offset",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1.0]}}"#, data: [0]),
      reason: "is not two non-negative integers"),
    BadFile(
      label: "metadata value not a string",
      data: rawFile(header: #"{"__metadata__":{"format":"pt","step":3}}"#, data: []),
      reason: "value for \"step\" is 3, not a string"),
    BadFile(
      label: "missing shape",
      data: rawFile(header: #"{"a":{"dtype":"U8","data_offsets":[0,1]}}"#, data: [0]),
      reason: "missing \"shape\""),
    BadFile(
      label: "unexpected field",
      data: rawFile(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":0}}"#, data: [0]),
      reason: "unexpected field \"x\""),
    BadFile(
      label: "top level array", data: rawFile(header: "{}", data: []).replacingFirstByte(0x7B, with: 0x5B),
      reason: "does not start with '{'"),
    BadFile(
      label: "deep nesting", data: rawFile(header: "{\"a\":" + String(repeating: "[", count: 500), data: []),
      reason: "nesting deeper"),
  ]

  @Test(arguments: badFiles)
  func rejectsInvalidFiles(_ bad: BadFile) {
    let reason = Self.rejectionReason(bad.data)
    #expect(reason.contains(bad.reason), "\(bad.label): got \"\(reason)\"")
  }

  @Test func acceptsWhitespacePaddingAndNullMetadataLikeTheReferenceReader() throws {
    let tabs = Self.rawFile(
      header: "{\"__metadata__\":null,\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}\n", data: [5])
    let file = try SafetensorsFile.decode(tabs, path: "fixture")
    #expect(file.metadata.isEmpty)
    #expect(file.tensors["a"]?.bytes == Data([5]))
  }

  // MARK: - Robustness

  @Test func corruptedFilesNeverTrap() throws {
    var tensors = try Self.referenceTensors()
    tensors.append(try SafetensorsTensor(name: "bytes", dtype: .U8, shape: [5], bytes: Data([1, 2, 3, 4, 5])))
    let valid = try SafetensorsFile(tensors: tensors).encode()
    let headerLength = Self.headerText(of: valid).utf8.count
    var rng = SeededRNG(seed: 20_251_025)
    var accepted = 0
    var rejected = 0
    for round in 0..<500 {
      var bytes = [UInt8](valid)
      switch round % 4 {
      case 0:  // flip a few random bits anywhere
        for _ in 0..<(1 + rng.next(below: 4)) { bytes[rng.next(below: bytes.count)] ^= UInt8(1 << rng.next(below: 8)) }
      case 1:  // truncate
        bytes.removeLast(1 + rng.next(below: bytes.count))
      case 2:  // overwrite a random byte of the header with a random value
        bytes[8 + rng.next(below: headerLength)] = UInt8(truncatingIfNeeded: rng.next(below: 256))
      default:  // corrupt the length prefix
        bytes[rng.next(below: 8)] = UInt8(truncatingIfNeeded: rng.next(below: 256))
      }
      do {
        let decoded = try SafetensorsFile.decode(Data(bytes), path: "fuzz")
        accepted += 1
        // Whatever was accepted must be a consistent file that encodes and decodes again.
        #expect(throws: Never.self) { try SafetensorsFile.decode(decoded.encode(), path: "fuzz-again") }
      } catch LorascopeError.invalidFile(let path, _) {
        #expect(path == "fuzz")
        rejected += 1
      } catch {
        Issue.record("round \(round): unexpected error \(error)")
      }
    }
    #expect(accepted + rejected == 500)
    #expect(rejected > 250)  // most corruptions must be caught
  }
}



extension Data {
  /// A copy with the first occurrence of `old` replaced (to inject invalid bytes into fixtures).
  fileprivate func replacingFirstByte(_ old: UInt8, with new: UInt8) -> Data {
    var copy = self
    if let i = copy.firstIndex(of: old) { copy[i] = new }
    return copy
  }
}
