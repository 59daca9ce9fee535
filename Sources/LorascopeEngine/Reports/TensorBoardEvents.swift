import Foundation

/// Scalars as a TensorBoard event file (issue 28 item 4, `export-scalars --format tensorboard`),
/// written by hand: the file is a TFRecord stream — per record a little-endian UInt64 length, its
/// masked CRC-32C, the bytes, their masked CRC-32C — of `tensorflow.Event` protocol buffers; the
/// first holds `file_version = "brain.Event:2"`, each other one `step`, `wall_time` and a
/// `Summary` with one `Value {tag, simple_value}`. Those five fields are all a scalar needs, so
/// a few lines of protobuf encoding replace a generated-code dependency. Checked by reading the
/// file back with the `tensorboard` Python package (Scripts/interop/check_scalars.py).
public enum TensorBoardEvents {
  /// The file name TensorBoard looks for (`*tfevents*`), stamped like TensorFlow's writers.
  public static func fileName(wallTime: Double) -> String { "events.out.tfevents.\(Int(wallTime)).lorascope" }

  /// The event file of `rows`, every event at `wallTime` (the log records no clock; TensorBoard
  /// orders scalars by step).
  public static func file(_ rows: [ScalarRow], wallTime: Double) -> Data {
    var out = Data()
    var version = Protobuf()
    version.double(field: 1, wallTime)
    version.bytes(field: 3, Data("brain.Event:2".utf8))
    appendRecord(version.data, to: &out)
    for row in rows {
      var value = Protobuf()
      value.bytes(field: 1, Data(row.tag.utf8))
      value.float(field: 2, Float(row.value))
      var summary = Protobuf()
      summary.bytes(field: 1, value.data)
      var event = Protobuf()
      event.double(field: 1, wallTime)
      event.varint(field: 2, UInt64(row.step))
      event.bytes(field: 5, summary.data)
      appendRecord(event.data, to: &out)
    }
    return out
  }

  /// One TFRecord: length, masked CRC of the length, data, masked CRC of the data.
  static func appendRecord(_ record: Data, to out: inout Data) {
    var length = Data()
    withUnsafeBytes(of: UInt64(record.count).littleEndian) { length.append(contentsOf: $0) }
    out.append(length)
    withUnsafeBytes(of: maskedCRC32C(length).littleEndian) { out.append(contentsOf: $0) }
    out.append(record)
    withUnsafeBytes(of: maskedCRC32C(record).littleEndian) { out.append(contentsOf: $0) }
  }

  /// TFRecord's checksum: CRC-32C (Castagnoli), rotated right by 15 and offset, so a CRC of data
  /// that holds CRCs stays well distributed.
  static func maskedCRC32C(_ data: Data) -> UInt32 {
    let crc = crc32c(data)
    return ((crc >> 15) | (crc << 17)) &+ 0xa282_ead8
  }

  static func crc32c(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in data {
      crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8)
    }
    return crc ^ 0xffff_ffff
  }

  /// The reflected table of the Castagnoli polynomial 0x1EDC6F41 (0x82F63B78 reversed).
  private static let crcTable: [UInt32] = (0..<256).map { index in
    var c = UInt32(index)
    for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82f6_3b78 : c >> 1 }
    return c
  }

  /// The protobuf wire format for the three field kinds the event needs.
  struct Protobuf {
    var data = Data()

    mutating func varint(field: Int, _ value: UInt64) {
      key(field, wireType: 0)
      rawVarint(value)
    }

    mutating func double(field: Int, _ value: Double) {
      key(field, wireType: 1)
      withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func float(field: Int, _ value: Float) {
      key(field, wireType: 5)
      withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func bytes(field: Int, _ value: Data) {
      key(field, wireType: 2)
      rawVarint(UInt64(value.count))
      data.append(value)
    }

    private mutating func key(_ field: Int, wireType: UInt64) { rawVarint(UInt64(field) << 3 | wireType) }

    private mutating func rawVarint(_ value: UInt64) {
      var v = value
      while v >= 0x80 {
        data.append(UInt8(v & 0x7f) | 0x80)
        v >>= 7
      }
      data.append(UInt8(v))
    }
  }
}
