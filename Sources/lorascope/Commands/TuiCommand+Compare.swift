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
}
