import Foundation

/// What a run directory recorded, read without writing anything (`RunDirectory.openForInspection`):
/// its settings, metrics, ranks and training log — what the screen compares runs by
/// (issue 28 item 2). A run with no stage finished has nothing to compare and is refused by name.
public struct RunRecord: Sendable {
  public let path: String
  public let manifest: RunManifest
  public let metrics: RunMetrics
  /// Nil for a run directory from before ranks were recorded (no intervals then).
  public let ranks: RunRanks?
  /// The training log by stage.
  public let logs: [StageLog]

  public static func read(_ url: URL) throws -> RunRecord {
    let dir = try RunDirectory.openForInspection(url)
    guard let manifest = try dir.readManifest() else {
      throw LorascopeError.usage("\(url.path) is not a run directory (no config.json)")
    }
    guard let metrics = try dir.readMetrics(), !metrics.stages.isEmpty else {
      throw LorascopeError.usage("\(url.path) has no finished stage to compare (metrics.json is missing or empty)")
    }
    return RunRecord(path: url.path, manifest: manifest, metrics: metrics, ranks: try dir.readRanks(), logs: try StageLog.read(from: dir))
  }

  /// "peso λ=2 seed 0": the method, the λ it started with where λ applies, the seed.
  public var label: String {
    let method = metrics.method
    let lambda = method.usesLambda ? " λ=\(Self.format(metrics.startingLambda))" : ""
    return "\(method.rawValue)\(lambda) seed \(metrics.seed)"
  }

  /// The adapter steps of stage t (the backbone's for stage 0 when it trained in this run).
  public func steps(stage t: Int) -> [StepRecord] {
    guard let log = logs.first(where: { $0.stage == t }) else { return [] }
    let adapter = log.steps(of: .adapter)
    return adapter.isEmpty ? log.steps : adapter
  }

  static func format(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(format: "%g", x)
  }
}
