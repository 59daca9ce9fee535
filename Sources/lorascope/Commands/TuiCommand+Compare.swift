import ArgumentParser
import Foundation
import LorascopeEngine
import LorascopeTUI

/// `lorascope tui --run-dir A --compare B …`: finished runs side by side (issue 28 item 2),
/// read-only; every run is read before the screen opens, so a bad directory is named on the
/// command line, not inside the screen.
extension TuiCommand {
  func runCompare(look: NcursesScreen.Options) throws {
    guard let first = options.runDir else {
      throw ValidationError("--compare needs --run-dir: the first run of the comparison")
    }
    let records = try ([first] + compare).map { try RunRecord.read(URL(fileURLWithPath: $0)) }
    let fingerprints = Set(records.map(\.manifest.datasetFingerprint))
    guard fingerprints.count == 1 else {
      throw ValidationError(
        "--compare: the runs trained on different data (\(records.map { "\($0.path): \($0.manifest.datasetName)" }.joined(separator: ", "))); compare runs of one dataset")
    }
    let status = try CompareScreen.run(runs: records, options: look)
    if status != 0 { throw ExitCode(status) }
  }

  /// A finished study (issue 28 item 3): its runs are under DIR/runs, as `study` puts them
  /// (or under the --run-dir it was given: pass that as --run-dir here).
  func runStudy(directory: String, look: NcursesScreen.Options) throws {
    let url = URL(fileURLWithPath: directory)
    let record = try StudyRecord.read(url)
    let root = options.runDir ?? url.appendingPathComponent("runs").path
    let status = try StudyScreen.run(study: record, options: look) { try Self.studyRuns(of: $0, root: root) }
    if status != 0 { throw ExitCode(status) }
  }

  /// The runs the study screen opens for `arm`: `single`'s and the arm's of the arm's first seed,
  /// where `study` put them under `root`.
  static func studyRuns(of arm: SweepArmComparison, root: String) throws -> [RunRecord] {
    guard let seed = arm.seeds.first else { throw LorascopeError.usage("the arm has no seed") }
    let paths = [(ContinualMethod.single, 0.0), (arm.method, arm.lambda)].map {
      SweepPlan.runDirectory(root: root, method: $0.0, lambda: $0.1, seed: seed)
    }
    // `single` against itself is one run twice.
    return try (arm.method == .single ? [paths[0], paths[0]] : paths).map { try RunRecord.read(URL(fileURLWithPath: $0)) }
  }
}
