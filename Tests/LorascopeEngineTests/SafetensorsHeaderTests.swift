import Foundation
import Testing

@testable import LorascopeEngine

/// Hostile safetensors headers, each given to both readers (the whole-file decoder and the
/// memory-mapped reader), which share one check (IO/SafetensorsHeader.swift): both must refuse
/// the file with the same reason, naming it, and never trap or allocate what the header claims.
@Suite struct SafetensorsHeaderTests {
  struct Hostile: Sendable, CustomTestStringConvertible {
    let label: String
    let file: Data
    let reason: String
    var testDescription: String { label }
  }

  private static func raw(_ header: String, data: Int = 0, declaredLength: UInt64? = nil) -> Data {
    SafetensorsTests.rawFile(header: header, data: [UInt8](repeating: 0, count: data), declaredLength: declaredLength)
  }

  private static func entry(_ name: String, _ dtype: String, _ shape: String, _ begin: String, _ end: String) -> String {
    #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(begin),\#(end)]}"#
  }

  static let cases: [Hostile] = [
    Hostile(label: "header length 2^63", file: raw("{}", declaredLength: 1 << 63), reason: "exceeds the limit of 100000000 bytes"),
    Hostile(label: "header length UInt64.max", file: raw("{}", declaredLength: .max), reason: "exceeds the limit"),
    Hostile(
      label: "header length at the limit, file tiny", file: raw("{}", declaredLength: 100_000_000),
      reason: "runs past the end of the file"),
    Hostile(label: "seven bytes", file: Data([8, 0, 0, 0, 0, 0, 0]), reason: "shorter than the 8-byte header length"),
    Hostile(
      label: "overlapping offsets",
      file: raw("{" + entry("a", "U8", "[4]", "0", "4") + "," + entry("b", "U8", "[4]", "2", "6") + "}", data: 6),
      reason: "overlaps tensor \"a\""),
    Hostile(
      label: "two tensors on the same bytes",
      file: raw("{" + entry("a", "U8", "[4]", "0", "4") + "," + entry("b", "U8", "[4]", "0", "4") + "}", data: 4),
      reason: "overlaps tensor"),
    Hostile(
      label: "offsets past the end of the file",
      file: raw("{" + entry("a", "F32", "[4]", "0", "16") + "}", data: 8), reason: "run past the end of the file"),
    Hostile(
      label: "offsets near Int.max",
      file: raw("{" + entry("a", "U8", "[1]", "9223372036854775806", "9223372036854775807") + "}", data: 1),
      reason: "leave a gap of 9223372036854775806 bytes"),
    Hostile(
      label: "offset beyond 64 bits",
      file: raw("{" + entry("a", "U8", "[1]", "0", "18446744073709551617") + "}", data: 1),
      reason: "is not two non-negative integers"),
    Hostile(
      label: "a gap between tensors",
      file: raw("{" + entry("a", "U8", "[2]", "0", "2") + "," + entry("b", "U8", "[2]", "4", "6") + "}", data: 6),
      reason: "gap of 2 bytes after tensor \"a\""),
    Hostile(
      label: "dtype and shape need more bytes than the offsets span",
      file: raw("{" + entry("a", "BF16", "[3,3]", "0", "9") + "}", data: 9), reason: "span 9 bytes, but BF16 [3, 3] needs 18"),
    Hostile(
      label: "dtype and shape need fewer bytes than the offsets span",
      file: raw("{" + entry("a", "F64", "[1]", "0", "16") + "}", data: 16), reason: "span 16 bytes, but F64 [1] needs 8"),
    Hostile(
      label: "shape product overflows Int",
      file: raw("{" + entry("a", "U8", "[4294967296,4294967296]", "0", "0") + "}"), reason: "overflows the element count"),
    Hostile(
      label: "shape product overflows only with the item size",
      file: raw("{" + entry("a", "F32", "[2305843009213693952,2]", "0", "0") + "}"), reason: "overflows the byte count"),
    Hostile(
      label: "a zero dimension hides an overflowing one",
      file: raw("{" + entry("a", "F32", "[0,9223372036854775807,9223372036854775807]", "0", "4") + "}", data: 4),
      reason: "span 4 bytes, but F32 [0, 9223372036854775807, 9223372036854775807] needs 0"),
    Hostile(
      label: "shape entry beyond 64 bits",
      file: raw("{" + entry("a", "U8", "[99999999999999999999]", "0", "0") + "}"), reason: "not an integer that fits in 64 bits"),
    Hostile(
      label: "data beyond the last tensor", file: raw("{" + entry("a", "U8", "[1]", "0", "1") + "}", data: 9),
      reason: "holds 9 bytes after the header"),
    Hostile(label: "header nested past the limit", file: raw("{\"a\":" + String(repeating: "[", count: 100_000)), reason: "nesting deeper"),
  ]

  /// The reason each reader gives, or a marker when it accepted the file or threw something else.
  private static func reasons(_ file: Data) throws -> (decoded: String, mapped: String) {
    func reason(_ read: () throws -> Void, path: String) -> String {
      do {
        try read()
        return "<accepted>"
      } catch LorascopeError.invalidFile(let where_, let reason) {
        return where_ == path ? reason : "<wrong path \(where_)>"
      } catch {
        return "<other error \(error)>"
      }
    }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).safetensors")
    try file.write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return (
      reason({ _ = try SafetensorsFile.decode(file, path: "hostile.safetensors") }, path: "hostile.safetensors"),
      reason({ _ = try MappedSafetensors(path: url.path) }, path: url.path)
    )
  }

  @Test(arguments: cases)
  func bothReadersRefuseWithTheSameReason(_ hostile: Hostile) throws {
    let (decoded, mapped) = try Self.reasons(hostile.file)
    #expect(decoded.contains(hostile.reason), "decode: \(decoded)")
    #expect(mapped.contains(hostile.reason), "mapped: \(mapped)")
    #expect(decoded == mapped)
  }

  @Test("a valid header reads the same through both readers")
  func validHeaderAgrees() throws {
    let file = Self.raw(
      #"{"__metadata__":{"format":"pt"},"# + Self.entry("a", "F32", "[2]", "0", "8") + "," + Self.entry("b", "U8", "[0]", "8", "8") + "}",
      data: 8)
    let (decoded, mapped) = try Self.reasons(file)
    #expect(decoded == "<accepted>")
    #expect(mapped == "<accepted>")
  }
}
