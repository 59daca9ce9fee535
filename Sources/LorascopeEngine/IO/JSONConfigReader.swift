import Foundation

/// Typed access to the top-level fields of a JSON config file (`config.json`,
/// `adapter_config.json`), with errors that name the file and the field.
struct JSONConfigReader {
  let path: String
  let root: JSONValue

  /// Reads and parses `url`; the document must be a JSON object.
  init(contentsOf url: URL) throws {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw LorascopeError.io("cannot read \(url.path): \(error.localizedDescription)")
    }
    try self.init(data: data, path: url.path)
  }

  /// Parses `data`; the document must be a JSON object.
  init(data: Data, path: String) throws {
    self.path = path
    do {
      root = try JSONParser.parse([UInt8](data))
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
