import Foundation

/// Loads the released PESO dataset directory format (Docs/Design.md §4):
///
/// - `<name>.all.block_<k>.json`: user id → {"previous_block": [item ids], "current_block": [item ids]},
///   for k = 0..<T with no gaps;
/// - exactly one `<name>.index*.json`: item id → ["<a_12>", "<b_7>", "<c_250>", "<d_3>"]
///   (level letters a, b, c, … in order, one code per level, the same count for every item);
/// - optionally `<name>.item.json`: item id → title string, or an object with a "title" string.
///
/// `<name>` is taken from the block files. Dense item indices follow the index file's order and
/// users keep their file order, so loading is deterministic. Every problem is reported as
/// `LorascopeError.invalidDataset` naming the file and the entry (item, user, block).
public enum PESODatasetLoader {
  /// The files that make up one dataset directory.
  public struct Layout: Sendable, Equatable {
    /// The dataset name, the common prefix of the files.
    public let name: String
    /// Block files in block order (full paths).
    public let blockFiles: [String]
    /// The index file (full path).
    public let indexFile: String
    /// The titles file (full path), if present.
    public let titleFile: String?
  }

  /// Loads and validates the dataset in `directory`.
  public static func load(directory: String) throws -> ContinualDataset {
    let layout = try locateFiles(in: directory)
    let index = try loadIndex(layout: layout)
    var blocks: [DataBlock] = []
    for (k, file) in layout.blockFiles.enumerated() {
      blocks.append(try loadBlock(k, file: file, items: index, indexFile: layout.indexFile))
    }
    return try ContinualDataset(
      name: layout.name, source: directory, items: index, blocks: blocks)
  }

  // MARK: - Files

  /// Finds the block, index and title files, checking that the blocks are 0..<T without gaps.
  public static func locateFiles(in directory: String) throws -> Layout {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
      throw LorascopeError.invalidDataset(path: directory, entry: nil, reason: "no such directory")
    }
    guard isDirectory.boolValue else {
      throw LorascopeError.invalidDataset(
        path: directory, entry: nil, reason: "not a directory (a PESO dataset is a directory of JSON files)")
    }
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    } catch {
      throw LorascopeError.invalidDataset(path: directory, entry: nil, reason: "cannot list the directory: \(error)")
    }
    func path(_ file: String) -> String { (directory as NSString).appendingPathComponent(file) }

    // Block files: <name>.all.block_<k>.json
    var blockFileByIndex: [Int: String] = [:]
    var datasetNames: Set<String> = []
    for file in names where file.hasSuffix(".json") {
      guard let marker = file.range(of: ".all.block_", options: .backwards) else { continue }
      let digits = file[marker.upperBound..<file.index(file.endIndex, offsetBy: -5)]
      guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
        let k = Int(digits), digits == "0" || !digits.hasPrefix("0")
      else {
        throw LorascopeError.invalidDataset(
          path: path(file), entry: nil, reason: "block file name must end in .all.block_<number>.json")
      }
      datasetNames.insert(String(file[..<marker.lowerBound]))
      blockFileByIndex[k] = file
    }
    guard !blockFileByIndex.isEmpty else {
      throw LorascopeError.invalidDataset(
        path: directory, entry: nil, reason: "no block files (<name>.all.block_<k>.json) in the directory")
    }
    guard datasetNames.count == 1, let name = datasetNames.first else {
      throw LorascopeError.invalidDataset(
        path: directory, entry: nil,
        reason: "block files of several datasets: \(datasetNames.sorted().joined(separator: ", "))")
    }
    let blockFiles = blockFileByIndex.sorted { $0.key < $1.key }
    let found = blockFiles.map(\.key)
    for k in 0..<found.count where found[k] != k {
      throw LorascopeError.invalidDataset(
        path: directory, entry: "block_\(k)",
        reason: "\(name).all.block_\(k).json is missing (found blocks \(found.map(String.init).joined(separator: ", ")))")
    }

    // Index file: <name>.index*.json, exactly one.
    let indexFiles = names.filter { $0.hasPrefix(name + ".index") && $0.hasSuffix(".json") }
    guard !indexFiles.isEmpty else {
      throw LorascopeError.invalidDataset(
        path: directory, entry: nil, reason: "no item index file (\(name).index*.json)")
    }
    guard indexFiles.count == 1 else {
      throw LorascopeError.invalidDataset(
        path: directory, entry: nil,
        reason: "\(indexFiles.count) item index files, expected one: \(indexFiles.joined(separator: ", "))")
    }
    let titleName = name + ".item.json"
    return Layout(
      name: name, blockFiles: blockFiles.map { path($0.value) }, indexFile: path(indexFiles[0]),
      titleFile: names.contains(titleName) ? path(titleName) : nil)
  }

  /// Reads and parses one JSON file; syntax errors name the file, byte, line and column.
  static func readJSON(_ file: String) throws -> JSONValue {
    func fail(_ reason: String) -> LorascopeError { .invalidDataset(path: file, entry: nil, reason: reason) }
    let bytes: [UInt8]
    do {
      bytes = try RegularFileReader.bytes(
        atPath: file, what: "reading \(file)", remedy: "check that the dataset directory holds the intended files")
    } catch RegularFileReader.Failure.cannotOpen(let why) {
      throw fail("cannot read the file: \(why)")
    } catch RegularFileReader.Failure.notRegularFile {
      throw fail("not a regular file; a dataset file must be a JSON file")
    }
    do {
      return try JSONParser.parse(bytes, rules: .datasetFiles)
    } catch {
      throw fail("malformed JSON at \(error.location): \(error.message)")
    }
  }

  /// The top-level object of a file, or an error saying what was found instead.
  static func topLevelObject(_ value: JSONValue, file: String) throws -> [JSONMember] {
    guard case .object(let members) = value else {
      throw LorascopeError.invalidDataset(
        path: file, entry: nil, reason: "the top level must be an object, found \(value.kindName)")
    }
    return members
  }

  // MARK: - Index

  static func loadIndex(layout: Layout) throws -> ItemIndex {
    let file = layout.indexFile
    let members = try topLevelObject(try readJSON(file), file: file)
    var ids: [String] = []
    var codes: [[Int]] = []
    ids.reserveCapacity(members.count)
    codes.reserveCapacity(members.count)
    for member in members {
      ids.append(member.key)
      codes.append(try parseCodes(member.value, item: member.key, file: file))
    }
    let titles = try layout.titleFile.map { try loadTitles(file: $0, itemIDs: ids) }
    return try ItemIndex(itemIDs: ids, codes: codes, titles: titles, path: file)
  }

  /// Parses ["<a_12>", "<b_7>", …]: level ℓ's code is written with letter a+ℓ.
  static func parseCodes(_ value: JSONValue, item: String, file: String) throws -> [Int] {
    func fail(_ reason: String) -> LorascopeError {
      .invalidDataset(path: file, entry: "item \(ErrorQuote.quoted(item))", reason: reason)
    }
    guard case .array(let elements) = value else {
      throw fail("codes must be a list of strings like [\"<a_12>\", \"<b_7>\"], found \(value.kindName)")
    }
    guard !elements.isEmpty else { throw fail("the code list is empty") }
    guard elements.count <= 26 else { throw fail("\(elements.count) codes: at most 26 levels (letters a–z)") }
    var codes: [Int] = []
    codes.reserveCapacity(elements.count)
    for (level, element) in elements.enumerated() {
      guard case .string(let text) = element else {
        throw fail("code \(level) must be a string like \"<a_12>\", found \(element.kindName)")
      }
      codes.append(try parseCode(text, level: level, fail: fail))
    }
    return codes
  }

  /// Parses one "<x_N>" token and checks that x is the letter of its level.
  private static func parseCode(_ text: String, level: Int, fail: (String) -> LorascopeError) throws -> Int {
    let expectedLetter = UInt8(ascii: "a") + UInt8(level)
    func letter(_ byte: UInt8) -> Character { Character(Unicode.Scalar(byte)) }
    let utf8 = Array(text.utf8)
    guard utf8.count >= 5, utf8[0] == UInt8(ascii: "<"), utf8[2] == UInt8(ascii: "_"),
      utf8[utf8.count - 1] == UInt8(ascii: ">"), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(utf8[1])
    else { throw fail("code \(level) \(ErrorQuote.quoted(text)) is not of the form \"<\(letter(expectedLetter))_N>\"") }
    guard utf8[1] == expectedLetter else {
      throw fail(
        "code \(level) \(ErrorQuote.quoted(text)) has level letter '\(letter(utf8[1]))', expected '\(letter(expectedLetter))' "
          + "(levels must be a, b, c, … in order)")
    }
    let digits = utf8[3..<(utf8.count - 1)]
    guard digits.count <= 9, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
      throw fail("code \(level) \(ErrorQuote.quoted(text)) must have a non-negative integer (at most 9 digits) after '_'")
    }
    return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
  }

  /// Titles aligned with `itemIDs` ("" where an item has none); unknown ids are ignored.
  static func loadTitles(file: String, itemIDs: [String]) throws -> [String] {
    let members = try topLevelObject(try readJSON(file), file: file)
    var titleByID: [String: String] = [:]
    for member in members {
      switch member.value {
      case .string(let title):
        titleByID[member.key] = title
      case .object(let fields):
        guard let field = fields.first(where: { $0.key == "title" }) else { continue }
        switch field.value {
        case .string(let title): titleByID[member.key] = title
        case .null: continue
        default:
          throw LorascopeError.invalidDataset(
            path: file, entry: "item \(ErrorQuote.quoted(member.key))",
            reason: "\"title\" must be a string, found \(field.value.kindName)")
        }
      case .null:
        continue
      default:
        throw LorascopeError.invalidDataset(
          path: file, entry: "item \(ErrorQuote.quoted(member.key))",
          reason: "expected a title string or an object with a \"title\", found \(member.value.kindName)")
      }
    }
    return itemIDs.map { titleByID[$0] ?? "" }
  }

  // MARK: - Blocks

  static func loadBlock(_ k: Int, file: String, items: ItemIndex, indexFile: String) throws -> DataBlock {
    let members = try topLevelObject(try readJSON(file), file: file)
    guard !members.isEmpty else {
      throw LorascopeError.invalidDataset(path: file, entry: nil, reason: "block \(k) is empty: it has no users")
    }
    let indexName = (indexFile as NSString).lastPathComponent
    var users: [UserBlock] = []
    users.reserveCapacity(members.count)
    var seen: Set<String> = []
    var eligible = 0
    for member in members {
      let userID = member.key
      func fail(_ reason: String) -> LorascopeError {
        .invalidDataset(path: file, entry: "user \(ErrorQuote.quoted(userID))", reason: reason)
      }
      guard seen.insert(userID).inserted else { throw fail("the user id appears twice in the block") }
      guard case .object(let fields) = member.value else {
        throw fail(
          "a user entry must be an object with \"previous_block\" and \"current_block\", "
            + "found \(member.value.kindName)")
      }
      // A repeated key would make one of its values silently win; say which key instead.
      var keys: Set<String> = []
      for field in fields where !keys.insert(field.key).inserted {
        throw fail("the key \(ErrorQuote.quoted(field.key)) appears twice in the entry")
      }
      func itemList(_ key: String) throws -> [Int] {
        guard let field = fields.first(where: { $0.key == key }) else { throw fail("missing key \(ErrorQuote.quoted(key))") }
        guard case .array(let elements) = field.value else {
          throw fail("\(ErrorQuote.quoted(key)) must be a list of item ids, found \(field.value.kindName)")
        }
        var list: [Int] = []
        list.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
          guard case .string(let itemID) = element else {
            throw fail("\(key)[\(position)] must be an item id string, found \(element.kindName)")
          }
          guard let item = items.index(ofItemID: itemID) else {
            throw fail("\(key)[\(position)]: unknown item id \(ErrorQuote.quoted(itemID)) (not in \(indexName))")
          }
          list.append(item)
        }
        return list
      }
      let user = UserBlock(
        userID: userID, previous: try itemList("previous_block"), current: try itemList("current_block"))
      if user.current.count >= ContinualDataset.minimumCurrentItems { eligible += 1 }
      users.append(user)
    }
    guard eligible > 0 else {
      throw LorascopeError.invalidDataset(
        path: file, entry: nil,
        reason: "block \(k) is empty for training: none of its \(users.count) users has at least "
          + "\(ContinualDataset.minimumCurrentItems) items in current_block")
    }
    return DataBlock(index: k, users: users)
  }
}
