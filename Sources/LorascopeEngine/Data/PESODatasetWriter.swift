import Foundation

/// Writes a dataset as a PESO directory (Docs/Design.md §4) that `PESODatasetLoader` reads back as the
/// same dataset: same items, codes, titles, blocks, user order and fingerprint.
///
/// Files: `<name>.all.block_<k>.json` (one user per line), `<name>.index.json` (one item per
/// line, in dense-index order), and `<name>.item.json` when the dataset has titles. The
/// directory appears at once (Docs/Design.md §6: writes are atomic): everything is written into a
/// hidden sibling directory, which is then renamed into place.
public enum PESODatasetWriter {
  /// Writes `dataset` to the directory `directory`.
  ///
  /// - Parameter overwrite: replace an existing non-empty directory. An existing empty
  ///   directory is always replaced.
  /// - Throws: `LorascopeError.io` when the target exists (without `overwrite`) or a file
  ///   cannot be written; `.invalidConfiguration` for a name that cannot be a file prefix.
  public static func write(_ dataset: ContinualDataset, to directory: String, overwrite: Bool = false) throws {
    let name = dataset.name
    guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), !name.contains(".all.block_"),
      !name.contains(".index")
    else {
      throw LorascopeError.invalidConfiguration("dataset name \(ErrorQuote.quoted(name)) cannot be used as a file prefix")
    }
    let fileManager = FileManager.default
    let target = URL(fileURLWithPath: directory).standardizedFileURL
    var isDirectory: ObjCBool = false
    let exists = fileManager.fileExists(atPath: target.path, isDirectory: &isDirectory)
    if exists {
      guard isDirectory.boolValue else { throw LorascopeError.io("\(target.path): exists and is not a directory") }
      let contents = (try? fileManager.contentsOfDirectory(atPath: target.path)) ?? []
      guard contents.isEmpty || overwrite else {
        throw LorascopeError.io("\(target.path): directory exists and is not empty (pass overwrite to replace it)")
      }
    }

    let parent = target.deletingLastPathComponent()
    StaleTemporaryFiles.removeLeftovers(of: target)
    let staging = parent.appendingPathComponent(
      ".\(target.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    do {
      try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
      try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
      for block in dataset.blocks {
        try blockJSON(block, items: dataset.items)
          .write(to: staging.appendingPathComponent("\(name).all.block_\(block.index).json"))
      }
      try indexJSON(dataset.items).write(to: staging.appendingPathComponent("\(name).index.json"))
      if let titles = dataset.items.titles {
        try titlesJSON(itemIDs: dataset.items.itemIDs, titles: titles)
          .write(to: staging.appendingPathComponent("\(name).item.json"))
      }
      if exists { try fileManager.removeItem(at: target) }
      try fileManager.moveItem(at: staging, to: target)
    } catch {
      try? fileManager.removeItem(at: staging)
      if let known = error as? LorascopeError { throw known }
      throw LorascopeError.io("\(target.path): cannot write the dataset: \(error.localizedDescription)")
    }
  }

  // MARK: - File contents

  /// `{"<user>": {"previous_block": [...], "current_block": [...]}, ...}`, one user per line.
  static func blockJSON(_ block: DataBlock, items: ItemIndex) -> Data {
    var out = DatasetJSONText()
    out.raw("{\n")
    for (position, user) in block.users.enumerated() {
      out.raw("  ")
      out.string(user.userID)
      out.raw(": {\"previous_block\": ")
      out.itemList(user.previous, items: items)
      out.raw(", \"current_block\": ")
      out.itemList(user.current, items: items)
      out.raw(position + 1 < block.users.count ? "},\n" : "}\n")
    }
    out.raw("}\n")
    return out.data
  }

  /// `{"<item>": ["<a_12>", "<b_7>", ...], ...}` in dense-index order, one item per line.
  static func indexJSON(_ items: ItemIndex) -> Data {
    var out = DatasetJSONText()
    out.raw("{\n")
    for (item, id) in items.itemIDs.enumerated() {
      out.raw("  ")
      out.string(id)
      out.raw(": [")
      for (level, code) in items.codes[item].enumerated() {
        if level > 0 { out.raw(", ") }
        let letter = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(level)))
        out.raw("\"<\(letter)_\(code)>\"")
      }
      out.raw(item + 1 < items.numItems ? "],\n" : "]\n")
    }
    out.raw("}\n")
    return out.data
  }

  /// `{"<item>": "<title>", ...}`.
  static func titlesJSON(itemIDs: [String], titles: [String]) -> Data {
    var out = DatasetJSONText()
    out.raw("{\n")
    for (item, id) in itemIDs.enumerated() {
      out.raw("  ")
      out.string(id)
      out.raw(": ")
      out.string(titles[item])
      out.raw(item + 1 < itemIDs.count ? ",\n" : "\n")
    }
    out.raw("}\n")
    return out.data
  }
}

/// A UTF-8 buffer with JSON string escaping (RFC 8259 §7).
struct DatasetJSONText {
  private(set) var bytes: [UInt8] = []

  var data: Data { Data(bytes) }

  mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

  mutating func string(_ text: String) {
    bytes.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): raw("\\\"")
      case UInt8(ascii: "\\"): raw("\\\\")
      case 0x0A: raw("\\n")
      case 0x0D: raw("\\r")
      case 0x09: raw("\\t")
      case 0..<0x20:
        let hex = String(byte, radix: 16)
        raw("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
      default: bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }

  mutating func itemList(_ list: [Int], items: ItemIndex) {
    bytes.append(UInt8(ascii: "["))
    for (position, item) in list.enumerated() {
      if position > 0 { raw(", ") }
      string(items.itemIDs[item])
    }
    bytes.append(UInt8(ascii: "]"))
  }
}
