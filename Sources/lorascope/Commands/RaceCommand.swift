import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope race`: fork a finished run's stage t from v_{t−1} into 2–4 λ values trained in
/// lockstep, and compare them with paired intervals (Docs/Statistics.md, "The λ race").
struct RaceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "race",
    abstract: "Retrain one stage with 2–4 λ values on identical batches; paired 95 % intervals against the first λ.",
    discussion: """
      Every lane starts from the run's adapter after stage t − 1 and sees the same batches, dropout \
      masks and steps; only λ differs. At the end each lane is scored on the test users of blocks \
      0…t, and each difference against the first λ gets a bootstrap interval over those users. \
      A difference whose interval contains 0 is reported as "no effect measured".
      """)

  @Option(name: .customLong("run-dir"), help: "A run directory made by `lorascope run` (stage t − 1 finished).")
  var runDir: String

  @Option(help: "The stage t ≥ 1 to race.")
  var stage: Int

  @Option(help: "2–4 λ values, e.g. 0,2e4 (ranges as in sweep: 1e2:1e4:x10).")
  var lambdas: String

  @Option(help: "The ranking metric compared.")
  var metric: RankingMetricName = .ndcg5

  @Option(help: "The run's dataset, if it moved since the run.")
  var data: String?

  @Option(help: "Backbone cache directory, as given to `run`.")
  var cache: String?

  @Flag(help: "Print JSON.")
  var json = false

  func validate() throws {
    guard stage >= 1 else { throw ValidationError("--stage must be ≥ 1 (stage 0 has no anchor to race from)") }
    _ = try laneLambdas()
  }

  /// The lanes' λ in command-line order (the first is the reference), checked as the race will
  /// run them: 2–4 values, none repeated (a repeated λ would race a lane against its copy).
  func laneLambdas() throws -> [Double] {
    let values: [Double]
    do {
      values = try lambdas.split(separator: ",", omittingEmptySubsequences: false).flatMap { try LambdaGrid.parse(String($0)) }
    } catch let error as LorascopeError {
      throw ValidationError(error.description)
    }
    guard (2...StageRace.maximumLanes).contains(values.count) else {
      throw ValidationError("--lambdas: a race runs 2 to \(StageRace.maximumLanes) λ values, not \(values.count)")
    }
    var seen = Set<Double>()
    for value in values where !seen.insert(value).inserted {
      throw ValidationError("--lambdas: λ = \(fmtLambda(value)) is given twice; each lane needs its own λ")
    }
    return values
  }

  func run() throws {
    let values = try laneLambdas()
    let state = try RunState.load(runDir: runDir, data: data, cache: cache)
    let blocks = state.session.dataset.numBlocks
    guard stage < blocks else {
      throw LorascopeError.usage("--stage \(stage) is past the run's last stage (\(blocks - 1)): a race retrains a stage 1…\(blocks - 1)")
    }
    let finished = state.session.stage
    guard stage <= finished else {
      throw LorascopeError.usage(
        "--stage \(stage) races from stage \(stage - 1), which \(runDir) has not finished (finished: \(finished == 0 ? "none" : "0…\(finished - 1)")); resume the run first")
    }
    let race = try StageRace(session: state.session, stage: stage, lambdas: values)
    let progress = ProgressReporter()
    progress.line("race: stage \(stage), λ = \(values.map(fmtLambda).joined(separator: " vs ")), \(race.totalSteps) steps each")
    let result = try race.run(metric: metric) { records in
      if let r = records.first, r.step == r.totalSteps || r.step % 50 == 0 {
        progress.line("  step \(r.step)/\(r.totalSteps)  CE " + records.map { String(format: "%.4f", $0.ce) }.joined(separator: " | "))
      }
    }
    if json {
      try printJSON(result)
      return
    }
    try printResult(RaceReport.render(result))
  }
}

/// The race as text: one row per lane, one row per difference with its interval and verdict.
enum RaceReport {
  static func render(_ r: RaceResult) -> String {
    let blocks = r.lanes.first?.metric.count ?? 0
    var lanes = TextTable(
      ["λ", "λ_eff", "‖Δ‖_H", "‖Δ‖_F", "final CE", "valid CE"] + (0..<blocks).map { "\(r.metricName.rawValue) b\($0)" })
    for l in r.lanes {
      lanes.add(
        [fmtLambda(l.lambda), String(format: "%.4g", l.lambdaEffective), String(format: "%.4g", l.displacementH),
         String(format: "%.4g", l.displacementFrobenius), f4(l.finalCE), f4(l.validationCE)] + l.metric.map { f4($0) })
    }
    var diffs = TextTable(["λ", "vs λ", "block", "users", "mean diff", "95 % interval", "verdict"])
    for d in r.differences {
      diffs.add(
        [fmtLambda(d.lambda), fmtLambda(d.against), "\(d.block)", "\(d.users)",
         String(format: "%+.4f", d.interval.mean),
         String(format: "[%+.4f, %+.4f]", d.interval.lower, d.interval.upper), d.interval.verdict])
    }
    return "stage \(r.stage) race\n" + lanes.render() + "\n\npaired differences against the first λ (bootstrap over test users):\n"
      + diffs.render()
  }
}

/// λ as people write it: 0, 2, 0.5, 3e+04.
func fmtLambda(_ x: Double) -> String {
  if x == 0 { return "0" }
  if abs(x) >= 1e4 || abs(x) < 1e-3 { return String(format: "%.3g", x) }
  return String(format: "%g", x)
}
