import ArgumentParser
import Foundation
import LorascopeEngine

/// A finished or interrupted run reopened from its directory for inspection (export, spectrum,
/// verify): read only — no lock, no writes — so it works on a read-only directory and while
/// another process trains in it.
struct RunState {
  let manifest: RunManifest
  let session: ContinualSession

  static func load(runDir: String, data: String?, cache: String?) throws -> RunState {
    if ImportedRun.isImported(URL(fileURLWithPath: runDir)) {
      throw ValidationError(
        "\(runDir) is an imported run (adapters only, no model or data): use `lorascope inspect`, or `lorascope spectrum --gradients FILE…`")
    }
    let dir = try RunDirectory.openForInspection(URL(fileURLWithPath: runDir))
    guard let manifest = try dir.readManifest() else {
      throw ValidationError("\(runDir) is not a run directory (no config.json)")
    }
    // "--data synthetic" adds nothing: the run's own generator settings are in config.json.
    let given = try data.flatMap { try DataArgument.resolve($0).directoryPath.map(DataSpec.directory) }
    guard let spec = given ?? manifest.data else {
      throw ValidationError("\(runDir) does not record where its data is; pass --data")
    }
    let dataset = try spec.load()
    guard dataset.fingerprint == manifest.datasetFingerprint else {
      throw ValidationError("the data \(dataset.source) is not the data the run in \(runDir) used (fingerprints differ); pass --data")
    }
    var options = try RunOptions.parse([])
    options.cache = cache
    let session = try ContinualSession(
      config: manifest.config, dataset: dataset, runDirectory: dir, backboneCache: options.cacheURL,
      dataSpec: spec)
    return RunState(manifest: manifest, session: session)
  }
}
