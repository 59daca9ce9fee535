import Foundation

/// A check, before allocating, that sizes taken from outside bytes (file headers) fit in this
/// machine's memory. An allocation the allocator cannot satisfy aborts the process with no
/// message naming the file; this throws one that names it and the remedy instead.
enum MemoryBudget {
  /// The bytes one planned allocation (or set of them) may take: half the machine's physical
  /// memory, leaving room for the rest of the process and the page cache of the files read.
  public static var limitBytes: Int {
    let half = ProcessInfo.processInfo.physicalMemory / 2
    return half > UInt64(Int.max) ? Int.max : Int(half)
  }

  /// The bytes of `blocks` (rows × columns each) of `elementSize`-byte elements, or nil when
  /// the count overflows 64 bits.
  public static func bytes(of blocks: [(Int, Int)], elementSize: Int) -> Int? {
    var total = 0
    for (rows, columns) in blocks {
      guard rows >= 0, columns >= 0 else { return nil }
      let (elements, o1) = rows.multipliedReportingOverflow(by: columns)
      let (size, o2) = elements.multipliedReportingOverflow(by: elementSize)
      let (sum, o3) = total.addingReportingOverflow(size)
      guard !o1, !o2, !o3 else { return nil }
      total = sum
    }
    return total
  }

  /// Throws `LorascopeError.usage` when the `Double` matrices `blocks` would not fit in memory.
  public static func require(doubles blocks: [(Int, Int)], for what: String, remedy: String) throws {
    try require(bytes: bytes(of: blocks, elementSize: MemoryLayout<Double>.size), for: what, remedy: remedy)
  }

  /// Throws `LorascopeError.usage` when `bytes` (nil: beyond 64 bits) exceeds `limitBytes`.
  public static func require(bytes: Int?, for what: String, remedy: String) throws {
    let limit = limitBytes
    guard let bytes, bytes <= limit else {
      let needed = bytes.map { String(format: "%.3g GB", Double($0) / 1e9) } ?? "more than 2^63 bytes"
      throw LorascopeError.usage(
        "\(what) would need \(needed) of memory, more than this machine's \(String(format: "%.3g GB", Double(limit) / 1e9)); \(remedy)")
    }
  }
}
