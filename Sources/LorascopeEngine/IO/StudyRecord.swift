import Foundation

/// What `lorascope study` wrote into its output directory, read back for the screen (issue 28
/// item 3): every arm against `single` (sweep.json's `arms`) and the findings in words
/// (findings.json). Both files are read as regular files, their size checked against memory.
public struct StudyRecord: Sendable {
  public let directory: String
  public let dataset: String
  public let metric: String
  public let arms: [SweepArmComparison]
  public let findings: StudyFindings

  public static func read(_ url: URL) throws -> StudyRecord {
    struct Sweep: Decodable {
      let dataset: String
      let metric: String
      let arms: [SweepArmComparison]
    }
    let sweep = try decode(Sweep.self, at: url.appendingPathComponent("sweep.json"))
    let findings = try decode(StudyFindings.self, at: url.appendingPathComponent("findings.json"))
    return StudyRecord(directory: url.path, dataset: sweep.dataset, metric: sweep.metric, arms: sweep.arms, findings: findings)
  }

  private static func decode<T: Decodable>(_ type: T.Type, at url: URL) throws -> T {
    let bytes = try RegularFileReader.bytes(
      atPath: url.path, expected: "a file `lorascope study` writes (--study takes its output directory)")
    do {
      return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch {
      throw LorascopeError.invalidFile(path: url.path, reason: "not a study's file of this lorascope version (\(error))")
    }
  }
}
