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
  /// `baselines[t]`: the counting baselines' ranks of stage t's own test users (the users of
  /// `stages[t][t]`; Docs/Math.md §44), for paired intervals of the model against counting. Nil
  /// in files written before they were recorded.
  public var baselines: [CountingBaselineValues<ExampleRanks>]?

  public init(stages: [[ExampleRanks]], baselines: [CountingBaselineValues<ExampleRanks>]? = []) {
    version = Self.currentVersion
    self.stages = stages
    self.baselines = baselines
  }

  /// The first `count` stages (what a resumed run keeps); the baselines' ranks go with them when
  /// every kept stage has them.
  func prefix(_ count: Int) -> RunRanks {
    RunRanks(
      stages: Array(stages.prefix(count)),
      baselines: baselines.flatMap { $0.count >= count ? Array($0.prefix(count)) : nil })
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
    for (t, counters) in (baselines ?? []).enumerated() {
      guard t < stages.count else {
        throw LorascopeError.invalidFile(path: path, reason: "baselines of stage \(t) but only \(stages.count) stages")
      }
      for b in CountingBaseline.allCases {
        guard counters[b].users == stages[t][t].users, counters[b].ranks.allSatisfy({ $0 >= 0 }) else {
          throw LorascopeError.invalidFile(
            path: path, reason: "stage \(t): the \(b.label) baseline's ranks are not one non-negative rank per test user of the stage")
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
