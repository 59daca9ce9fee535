import ArgumentParser
import Foundation
import LorascopeEngine

/// Finished run directories gathered for `sweep --collect` and `study --collect`
/// (Docs/Reproduce.md, "Sweeps on a cluster"): every directory under the given roots that holds
/// a config.json is a run; a run counts once — two directories with the same config and data
/// (a copied or re-synced directory) are one run — and runs that have not finished every stage
/// are listed, not counted.
struct RunCollection {
  var runs: [SweepRunResult] = []
  var datasetName = ""
  /// Run directories whose stages are not all finished (or that cannot be read), with why.
  var unfinished: [(path: String, reason: String)] = []
  /// Run directories skipped because an identical run was already counted, with the one counted.
  var duplicates: [(path: String, sameAs: String)] = []

  static func collect(roots: [String]) throws -> RunCollection {
    var paths: [String] = []
    for root in roots {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("--collect: \(root) is not a directory")
      }
      paths += runDirectories(under: URL(fileURLWithPath: root).standardizedFileURL)
    }
    var out = RunCollection()
    var seen: [String: String] = [:]   // config identity → path counted
    var setting: (RunConfig, String, String)?   // the shared setting, its fingerprint and first path
    for path in Array(Set(paths)).sorted() {
      let dir: RunDirectory
      let manifest: RunManifest
      do {
        dir = try RunDirectory.openForInspection(URL(fileURLWithPath: path))
        guard let m = try dir.readManifest() else { continue }
        manifest = m
      } catch {
        out.unfinished.append((path, "\(error)"))
        continue
      }
      let metrics: RunMetrics?
      let ranks: RunRanks?
      do {
        metrics = try dir.readMetrics()
        ranks = try dir.readRanks()
      } catch {
        out.unfinished.append((path, "\(error)"))
        continue
      }
      guard let metrics, metrics.stages.count == metrics.blocks else {
        out.unfinished.append((path, "\(metrics?.stages.count ?? 0) of \(metrics?.blocks ?? 0) stages finished"))
        continue
      }
      let identity = try Self.identity(manifest)
      if let first = seen[identity] {
        out.duplicates.append((path, first))
        continue
      }
      seen[identity] = path
      let shared = Self.sharedSetting(manifest.config)
      if let (config, fingerprint, firstPath) = setting {
        guard config == shared, fingerprint == manifest.datasetFingerprint else {
          throw ValidationError(
            "--collect: \(path) ran other settings or data than \(firstPath); collect one sweep's run directories at a time")
        }
      } else {
        setting = (shared, manifest.datasetFingerprint, path)
        out.datasetName = manifest.datasetName
      }
      out.runs.append(SweepRunResult(
        method: manifest.config.method, lambda: manifest.config.lambda, seed: manifest.config.seed,
        metrics: metrics, ranks: ranks))
    }
    return out
  }

  /// What makes two run directories the same run: the whole config and the data's fingerprint.
  static func identity(_ manifest: RunManifest) throws -> String {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    return String(decoding: try enc.encode(manifest.config), as: UTF8.self) + "|" + manifest.datasetFingerprint
  }

  /// The config without what varies inside a sweep (method, λ, seed).
  static func sharedSetting(_ config: RunConfig) -> RunConfig {
    var c = config
    c.method = .single
    c.lambda = 0
    c.seed = 0
    return c
  }

  /// Directories under `root` (itself included) that hold config.json; a run's own stages are not searched.
  static func runDirectories(under root: URL) -> [String] {
    let fileManager = FileManager.default
    if fileManager.fileExists(atPath: root.appendingPathComponent("config.json").path) { return [root.path] }
    guard let entries = try? fileManager.contentsOfDirectory(at: root, includingPropertiesForKeys: [.isDirectoryKey]) else {
      return []
    }
    var found: [String] = []
    for entry in entries where !entry.lastPathComponent.hasPrefix(".") && !entry.lastPathComponent.contains(".tmp-") {
      var isDirectory: ObjCBool = false
      guard fileManager.fileExists(atPath: entry.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
      // Do not follow a run's `backbone` link into the cache.
      if (try? entry.resourceValues(forKeys: [.isSymbolicLinkKey]))?.isSymbolicLink == true { continue }
      found += runDirectories(under: entry)
    }
    return found
  }
}
