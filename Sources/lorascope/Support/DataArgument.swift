import ArgumentParser
import Foundation
import LorascopeAssets
import LorascopeEngine

/// What a `--data` argument names (Docs/Design.md §8): the built-in synthetic generator, the
/// released Video_Games dataset that ships in `Assets/Data/` ("video-games", "Video_Games" or its
/// folder name), or a PESO dataset directory. An existing directory of that name wins over the
/// bundled dataset's short names, so a user's own folder is never shadowed.
enum DataArgument: Equatable {
  case synthetic
  case directory(String)

  /// The word that selects the synthetic generator.
  static let syntheticName = "synthetic"

  /// Resolves `text`; a bundled name whose assets are missing is an error that says where they
  /// were looked for.
  static func resolve(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws
    -> DataArgument
  {
    if text == syntheticName { return .synthetic }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory), isDirectory.boolValue {
      return .directory(text)
    }
    guard LorascopeAssets.isVideoGamesName(text) else { return .directory(text) }
    guard let bundled = LorascopeAssets.videoGamesDataset(environment: environment) else {
      let looked = LorascopeAssets.candidates(environment: environment).map(\.path).joined(separator: ", ")
      throw ValidationError(
        "--data \(text): the bundled dataset \(LorascopeAssets.videoGamesDatasetName) is not installed "
          + "(looked for Data/ in \(looked)); set LORASCOPE_ASSETS to the Assets directory or pass a path")
    }
    return .directory(bundled.path)
  }

  /// The directory to load, or nil for the synthetic generator.
  var directoryPath: String? {
    switch self {
    case .synthetic: return nil
    case .directory(let path): return path
    }
  }
}
