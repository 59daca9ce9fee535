import Foundation

/// Where the shared cache (backbones and stages 0) lives when `--cache` is not given.
///
/// From the environment only, in this order: `$LORASCOPE_CACHE`, `$XDG_CACHE_HOME/lorascope/backbones`,
/// `$HOME/.cache/lorascope/backbones`. Not `FileManager.homeDirectoryForCurrentUser`: it reads the
/// password database, which in containers, CI and batch jobs names another directory (or
/// `/nonexistent`) than the `$HOME` the job was given. Empty and relative values are ignored,
/// as the XDG base-directory specification asks.
public enum CacheLocation {
  /// The cache directory named by `environment`, or nil when none of the variables is usable
  /// (then runs go on without a cache).
  public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
    func directory(_ name: String) -> URL? {
      guard let value = environment[name], !value.isEmpty else { return nil }
      // $LORASCOPE_CACHE is ours: a relative path means the working directory, as for --cache.
      guard name == "LORASCOPE_CACHE" || value.hasPrefix("/") else { return nil }
      return URL(fileURLWithPath: value)
    }
    if let explicit = directory("LORASCOPE_CACHE") { return explicit }
    if let xdg = directory("XDG_CACHE_HOME") { return xdg.appendingPathComponent("lorascope/backbones") }
    if let home = directory("HOME") { return home.appendingPathComponent(".cache/lorascope/backbones") }
    return nil
  }

  /// The search order, for help texts and messages.
  public static let description =
    "$LORASCOPE_CACHE, else $XDG_CACHE_HOME/lorascope/backbones, else $HOME/.cache/lorascope/backbones"
}
