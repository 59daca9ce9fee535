import Foundation

/// ranks.json of a run directory: for every finished stage t, the `ExampleRanks` of each evaluated
/// block j ≤ t — the per-user record behind R[t][j] that paired intervals resample
/// (Docs/Statistics.md, "Paired differences"; "Per-user ranks in a run directory").
///
/// Small (one integer pair per test user and block) and versioned. A run directory written before
/// ranks were recorded has no ranks.json; it still opens, and the statistics that need ranks say so.
public struct RunRanks: Codable, Equatable, Sendable {
  /// The format version this engine writes and reads.
  public static let currentVersion = 1

  public var version: Int
  /// `stages[t][j]`: the ranks of block j's test users under the state after stage t (j ≤ t).
  public var stages: [[ExampleRanks]]

  public init(stages: [[ExampleRanks]]) {
    version = Self.currentVersion
    self.stages = stages
  }

  /// Checks the shape: version known, stage t holds t + 1 blocks, one rank per user, ranks ≥ 0.
  public func validate(path: String) throws {
    guard version == Self.currentVersion else {
      throw LorascopeError.invalidFile(path: path, reason: "ranks version \(version) is not \(Self.currentVersion)")
    }
    for (t, blocks) in stages.enumerated() {
      guard blocks.count == t + 1 else {
        throw LorascopeError.invalidFile(path: path, reason: "stage \(t) holds \(blocks.count) blocks, expected \(t + 1)")
      }
      for (j, b) in blocks.enumerated() {
        guard b.users.count == b.ranks.count else {
          throw LorascopeError.invalidFile(
            path: path, reason: "stage \(t) block \(j): \(b.users.count) users but \(b.ranks.count) ranks")
        }
        guard b.ranks.allSatisfy({ $0 >= 0 }) else {
          throw LorascopeError.invalidFile(path: path, reason: "stage \(t) block \(j): a rank is negative")
        }
      }
    }
  }
}

extension RunDirectory {
  public var ranksURL: URL { url.appendingPathComponent("ranks.json") }

  /// Writes ranks.json atomically (temporary file + rename).
  public func writeRanks(_ ranks: RunRanks) throws {
    guard !isReadOnly else {
      throw LorascopeError.usage("\(url.path) is open for inspection only; not writing ranks.json")
    }
    try AtomicFile.writeJSON(ranks, to: ranksURL)
  }

  /// ranks.json, checked; nil when the run predates it.
  public func readRanks() throws -> RunRanks? {
    guard let ranks = try Self.readJSON(RunRanks.self, at: ranksURL) else { return nil }
    try ranks.validate(path: ranksURL.path)
    return ranks
  }
}
