import Foundation

/// Typed access to the top-level fields of a JSON config file (`config.json`,
/// `adapter_config.json`), with errors that name the file and the field.
struct JSONConfigReader {
  let path: String
  let root: JSONValue

  /// Reads and parses `url`; the document must be a JSON object.
  init(contentsOf url: URL) throws {
    let bytes: [UInt8]
    do {
      bytes = try RegularFileReader.bytes(
        atPath: url.path, what: "reading \(url.path)", remedy: "a JSON settings file is never this large; check the path")
    } catch RegularFileReader.Failure.cannotOpen(let why) {
      throw LorascopeError.io("cannot read \(url.path): \(why)")
    } catch RegularFileReader.Failure.notRegularFile {
      // A FIFO or device would block the read (or never end).
      throw LorascopeError.invalidFile(path: url.path, reason: "not a regular file; expected a JSON file")
    }
    try self.init(bytes: bytes, path: url.path)
  }

  /// Parses `bytes`; the document must be a JSON object.
  init(bytes: [UInt8], path: String) throws {
    self.path = path
    do {
      root = try JSONParser.parse(bytes)
    } catch {
      throw LorascopeError.invalidFile(path: path, reason: "not valid JSON: \(error.description)")
    }
    guard root.objectMembers != nil else {
      throw LorascopeError.invalidFile(path: path, reason: "the top level is not a JSON object")
    }
  }

  func fail(_ reason: String) -> LorascopeError { .invalidFile(path: path, reason: reason) }

  /// The field, or nil when it is absent or JSON null (transformers treats both as "use the default").
  func value(_ key: String) -> JSONValue? {
    guard let value = root[key], !value.isNull else { return nil }
    return value
  }

  func int(_ key: String) throws -> Int? {
    guard let value = value(key) else { return nil }
    guard let int = value.intValue else { throw fail("\"\(key)\" is \(value.snippet), not an integer") }
    return int
  }

  func requiredInt(_ key: String) throws -> Int {
    guard let int = try int(key) else { throw fail("\"\(key)\" is missing") }
    return int
  }

  func double(_ key: String) throws -> Double? {
    guard let value = value(key) else { return nil }
    guard let double = value.doubleValue else { throw fail("\"\(key)\" is \(value.snippet), not a finite number") }
    return double
  }

  func bool(_ key: String) throws -> Bool? {
    guard let value = value(key) else { return nil }
    guard let bool = value.boolValue else { throw fail("\"\(key)\" is \(value.snippet), not true or false") }
    return bool
  }

  func string(_ key: String) throws -> String? {
    guard let value = value(key) else { return nil }
    guard let string = value.stringValue else { throw fail("\"\(key)\" is \(value.snippet), not a string") }
    return string
  }
}
