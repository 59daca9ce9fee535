import Foundation

/// A file standing where a directory must be created: Foundation reports it as "error 512", so the
/// commands that create a directory (a run directory, an export's folder) name it instead.
public enum FileInTheWay {
  /// The nearest existing ancestor of `url` (or `url` itself) when it is not a directory; nil when
  /// it is one, or nothing of the path exists.
  public static func blocking(_ url: URL) -> String? {
    var ancestor = url.standardizedFileURL
    while !FileManager.default.fileExists(atPath: ancestor.path), ancestor.path != "/" { ancestor = ancestor.deletingLastPathComponent() }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
    return ancestor.path
  }
}
