import Foundation
import LorascopeAssets
import LorascopeEngine

/// Reads the screen's data files, `demo.json` and `themes/*.json`, from the repository's
/// top-level `Assets/` (the `LorascopeAssets` target, which finds them at run time; see
/// Docs/Architecture.md "Assets"). The default theme is compiled in, so only `demo` and other
/// themes need the files.
public enum Assets {
  /// The assets directory, if one is found.
  public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
    LorascopeAssets.directory(environment: environment)
  }

  /// A file under the assets directory; the error says where it looked.
  public static func file(_ relativePath: String) throws -> URL {
    guard let directory = directory() else {
      let looked = LorascopeAssets.candidates().map(\.path).joined(separator: ", ")
      throw LorascopeError.io(
        "cannot find lorascope's Assets (looked in \(looked)); set LORASCOPE_ASSETS to the Assets directory")
    }
    let url = directory.appendingPathComponent(relativePath)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw LorascopeError.io("\(url.path): no such file")
    }
    return url
  }

  /// The theme `name` (a file under `Assets/themes/`) or a path to a theme
  /// file. "default" never needs the file.
  public static func theme(_ nameOrPath: String) throws -> Theme {
    if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
      return try decode(Theme.self, from: URL(fileURLWithPath: nameOrPath))
    }
    guard let url = try? file("themes/\(nameOrPath).json") else {
      if nameOrPath == Theme.builtIn.name { return .builtIn }
      throw LorascopeError.usage("no theme '\(nameOrPath)'; themes: " + themeNames().joined(separator: ", "))
    }
    return try decode(Theme.self, from: url)
  }

  /// The names of the themes in `Assets/themes/`.
  public static func themeNames() -> [String] {
    guard let directory = directory() else { return [Theme.builtIn.name] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("themes").path))
      ?? []
    let found = names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    return found.isEmpty ? [Theme.builtIn.name] : found
  }

  /// The tour: `path`, or the built-in `Assets/demo.json`.
  public static func demoScript(_ path: String? = nil) throws -> DemoScript {
    let url = try path.map { URL(fileURLWithPath: $0) } ?? file("demo.json")
    return try decode(DemoScript.self, from: url)
  }

  /// Decodes a JSON file; a failure names the file and the entry.
  public static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw LorascopeError.io("\(url.path): cannot read: \(error.localizedDescription)")
    }
    return try decode(type, from: data, path: url.path)
  }

  /// Decodes JSON text; `path` names the source in errors.
  public static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String) throws -> T {
    do {
      return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
      throw LorascopeError.invalidFile(path: path, reason: describe(error))
    } catch {
      throw LorascopeError.invalidFile(path: path, reason: "\(error)")
    }
  }

  /// "steps[2].at: …" from a decoding error.
  static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      var text = ""
      for key in keys {
        if let index = key.intValue {
          text += "[\(index)]"
        } else {
          text += (text.isEmpty ? "" : ".") + key.stringValue
        }
      }
      return text.isEmpty ? "the document" : text
    }
    switch error {
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty, let underlying = context.underlyingError {
        return "not valid JSON: \(underlying.localizedDescription)"
      }
      return "\(path(context.codingPath)): \(context.debugDescription)"
    case .keyNotFound(let key, let context):
      return "\(path(context.codingPath + [key])): missing"
    case .typeMismatch(let type, let context):
      return "\(path(context.codingPath)): expected \(type)"
    case .valueNotFound(let type, let context):
      return "\(path(context.codingPath)): expected \(type), found null"
    @unknown default:
      return "\(error)"
    }
  }
}
