import Foundation

/// What the product ships beside its code, found at run time: the screen's color themes, the
/// demo's script and the released Video_Games dataset in the PESO format (Docs/Design.md §4,
/// §7). These files live in the repository's top-level `Assets/`, which is this target's folder
/// (Docs/Architecture.md "Assets"); SwiftPM copies them into a resource bundle at build time.
///
/// SwiftPM's generated `Bundle.module` stops the process when the bundle is missing, so the
/// directory is looked up here instead, first match wins: `$LORASCOPE_ASSETS`; the resource
/// bundle next to the executable (where `swift build` puts it); the same under
/// `../share/lorascope` (an install prefix); the source folder this file was compiled from (a
/// development checkout, the tests).
public enum LorascopeAssets {
  /// The bundle SwiftPM makes for this target's resources.
  public static let bundleName = "lorascope_LorascopeAssets.resources"

  /// The file that marks a directory as lorascope's assets.
  static let markerFile = "demo.json"

  /// The released dataset's folder name (and its files' prefix) under `Data/`.
  public static let videoGamesDatasetName = "Video_Games_cl_0.6_0_5_3_0"

  /// Short names that `--data` accepts for the bundled dataset, compared after lowercasing and
  /// turning `-` into `_` ("video-games", "Video_Games", the full folder name).
  public static let videoGamesAliases: Set<String> = ["video_games", videoGamesDatasetName.lowercased()]

  /// The first candidate directory that holds the assets, if any.
  public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
    candidates(environment: environment).first { url in
      FileManager.default.fileExists(atPath: url.appendingPathComponent(markerFile).path)
    }
  }

  /// Every directory `directory(environment:)` tries, in order.
  public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
    var result: [URL] = []
    if let explicit = environment["LORASCOPE_ASSETS"], !explicit.isEmpty {
      result.append(URL(fileURLWithPath: explicit))
    }
    let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
    for base in [Bundle.main.bundleURL, executable.deletingLastPathComponent()] {
      result.append(base.appendingPathComponent(bundleName))
      result.append(
        base.deletingLastPathComponent().appendingPathComponent("share/lorascope").appendingPathComponent(bundleName))
    }
    // Assets/LorascopeAssets.swift → Assets
    result.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent())
    return result
  }

  /// The directory of the color themes (`themes/<name>.json`).
  public static func themesDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
    directory(environment: environment)?.appendingPathComponent("themes")
  }

  /// The demo's script (`demo.json`).
  public static func demoScript(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
    directory(environment: environment)?.appendingPathComponent(markerFile)
  }

  /// The bundled Video_Games dataset directory, if the assets and the dataset are there.
  public static func videoGamesDataset(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
    guard let directory = directory(environment: environment) else { return nil }
    let url = directory.appendingPathComponent("Data").appendingPathComponent(videoGamesDatasetName)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      return nil
    }
    return url
  }

  /// Whether `name` is one of the bundled dataset's short names (see `videoGamesAliases`).
  public static func isVideoGamesName(_ name: String) -> Bool {
    videoGamesAliases.contains(name.lowercased().replacingOccurrences(of: "-", with: "_"))
  }
}
