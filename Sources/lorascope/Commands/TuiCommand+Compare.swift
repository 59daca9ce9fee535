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
    let status = try CompareScreen.run(runs: records, options: look, spectrum: Self.spectrumProvider(records, data: options.data, cache: options.cache))
    if status != 0 { throw ExitCode(status) }
  }

  /// A finished study (issue 28 item 3): its runs are under DIR/runs, as `study` puts them
  /// (or under the --run-dir it was given: pass that as --run-dir here).
  func runStudy(directory: String, look: NcursesScreen.Options) throws {
    let url = URL(fileURLWithPath: directory)
    let record = try StudyRecord.read(url)
    let root = options.runDir ?? url.appendingPathComponent("runs").path
    let status = try StudyScreen.run(
      study: record, options: look, open: { try Self.studyRuns(of: $0, root: root) },
      spectrum: { Self.spectrumProvider($0, data: options.data, cache: options.cache) })
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

  /// The compare screen's spectra: run `i`'s joint spectrum of stage t (empirical Fisher on a
  /// probe of 128 block-t sequences, `lorascope spectrum`'s defaults) and the λ its stage ended
  /// with. Each run's session (its data and backbone) is opened the first time it is needed.
  static func spectrumProvider(
    _ records: [RunRecord], data: String?, cache: String?
  ) -> @Sendable (Int, Int) throws -> (GeneralizedSpectrum, ProximalStrength) {
    let sessions = SessionCache(paths: records.map(\.path), data: data, cache: cache)
    return { run, stage in
      let session = try sessions.session(run)
      let source = try session.spectrumSource(stage: stage, probeSize: 128, seed: session.config.seed)
      let analysis = try SpectrumPipeline.run(source: source, selection: .joint, fisher: .empirical, directions: 0)
      return (analysis.spectrum, try analysis.strength(lambda: session.metrics.lambda(atEndOfStage: stage)))
    }
  }
}

/// The runs' sessions, opened read-only on first use (the spectra are computed one at a time).
private final class SessionCache: @unchecked Sendable {
  private let paths: [String]
  private let data: String?
  private let cache: String?
  private let lock = NSLock()
  private var sessions: [Int: ContinualSession] = [:]

  init(paths: [String], data: String?, cache: String?) {
    self.paths = paths
    self.data = data
    self.cache = cache
  }

  func session(_ run: Int) throws -> ContinualSession {
    lock.lock()
    defer { lock.unlock() }
    if let open = sessions[run] { return open }
    let session = try RunState.load(runDir: paths[run], data: data, cache: cache).session
    sessions[run] = session
    return session
  }
}
