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
  /// Finished runs of other settings or data than the sweep collected (the setting most runs
  /// share), with why: a stray directory under a root must not abort the whole collect.
  var otherSettings: [(path: String, reason: String)] = []
  /// Directories that hold a run's results (metrics.json or stages/) but no config.json.
  var withoutConfig: [String] = []

  /// Everything skipped but duplicates, one line each, for messages.
  var skippedLines: [String] {
    unfinished.map { "skipped (unfinished): \($0.path): \($0.reason)" }
      + otherSettings.map { "skipped (other settings): \($0.path): \($0.reason)" }
      + withoutConfig.map { "skipped (no config.json, so not collectable): \($0)" }
  }

  static func collect(roots: [String]) throws -> RunCollection {
    var paths: [String] = []
    var out = RunCollection()
    for root in roots {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("--collect: \(root) is not a directory")
      }
      let found = runDirectories(under: URL(fileURLWithPath: root).standardizedFileURL)
      paths += found.runs
      out.withoutConfig += found.withoutConfig
    }
    out.withoutConfig = Array(Set(out.withoutConfig)).sorted()
    var seen: [String: String] = [:]   // config identity → path counted
    var finished: [(path: String, manifest: RunManifest, metrics: RunMetrics, ranks: RunRanks?)] = []
    for path in Array(Set(paths)).sorted() {
      let dir: RunDirectory
      let manifest: RunManifest
      do {
        dir = try RunDirectory.openForInspection(URL(fileURLWithPath: path))
        guard let m = try dir.readManifest() else {
          out.withoutConfig.append(path)
          continue
        }
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
        out.unfinished.append((path, metrics.map { "\($0.stages.count) of \($0.blocks) stages finished" } ?? "no metrics.json (no stage finished)"))
        continue
      }
      let identity = try Self.identity(manifest)
      if let first = seen[identity] {
        out.duplicates.append((path, first))
        continue
      }
      seen[identity] = path
      finished.append((path, manifest, metrics, ranks))
    }
    // The sweep is the setting most finished runs share (the first in path order on a tie);
    // runs of any other setting are listed, not counted.
    var groups: [String: [Int]] = [:]
    var order: [String] = []
    for (i, run) in finished.enumerated() {
      let key = try Self.settingKey(run.manifest)
      if groups[key] == nil { order.append(key) }
      groups[key, default: []].append(i)
    }
    var chosen: [Int] = []
    for key in order where (groups[key]?.count ?? 0) > chosen.count { chosen = groups[key] ?? [] }
    let members = chosen
    guard let firstIndex = members.first else { return out }
    let firstPath = finished[firstIndex].path
    out.datasetName = finished[firstIndex].manifest.datasetName
    for (i, run) in finished.enumerated() {
      guard members.contains(i) else {
        out.otherSettings.append((run.path, "ran other settings or data than \(firstPath) and \(members.count - 1) more; collect one sweep's run directories at a time"))
        continue
      }
      out.runs.append(SweepRunResult(
        method: run.manifest.config.method, lambda: run.manifest.config.lambda, seed: run.manifest.config.seed,
        metrics: run.metrics, ranks: run.ranks))
    }
    return out
  }

  /// What the runs of one sweep share: the config without method, λ and seed, and the data.
  static func settingKey(_ manifest: RunManifest) throws -> String {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    return String(decoding: try enc.encode(sharedSetting(manifest.config)), as: UTF8.self) + "|" + manifest.datasetFingerprint
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

  /// Directories under `root` (itself included) that hold config.json; a run's own stages are
  /// not searched. Directories with a run's results (metrics.json or stages/) but no config.json
  /// are returned apart, so that collect can say why they were not counted.
  static func runDirectories(under root: URL) -> (runs: [String], withoutConfig: [String]) {
    let fileManager = FileManager.default
    if fileManager.fileExists(atPath: root.appendingPathComponent("config.json").path) { return ([root.path], []) }
    if fileManager.fileExists(atPath: root.appendingPathComponent("metrics.json").path)
      || fileManager.fileExists(atPath: root.appendingPathComponent("stages").path)
    {
      return ([], [root.path])
    }
    guard let entries = try? fileManager.contentsOfDirectory(at: root, includingPropertiesForKeys: [.isDirectoryKey]) else {
      return ([], [])
    }
    var runs: [String] = []
    var withoutConfig: [String] = []
    for entry in entries where !entry.lastPathComponent.hasPrefix(".") && !entry.lastPathComponent.contains(".tmp-") {
      var isDirectory: ObjCBool = false
      guard fileManager.fileExists(atPath: entry.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
      // Do not follow a run's `backbone` link into the cache.
      if (try? entry.resourceValues(forKeys: [.isSymbolicLinkKey]))?.isSymbolicLink == true { continue }
      let found = runDirectories(under: entry)
      runs += found.runs
      withoutConfig += found.withoutConfig
    }
    return (runs, withoutConfig)
  }
}
