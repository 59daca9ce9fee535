import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope predict`: the predicted λ curve of one stage, before training at any λ
/// (Docs/Math.md §45): retained ‖Δ_λ‖_H/‖Δ_0‖_H and ‖·‖_F, the predicted validation CE changes,
/// and the λ for 90 %, 50 % and 10 % retained. `race` checks a λ it suggests.
struct PredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Predict, before training, how much of stage t's update each λ keeps, and which λ keeps 90/50/10 %.",
    discussion: """
      The stage's AdamW (its learning-rate schedule, clipping, weight decay and step count) runs on a \
      noisy quadratic model of the stage measured at v_{t−1}: per-example gradients of a probe of block \
      t, a sampled-label Gauss–Newton curvature, and the penalty's own metric H. retained_h is \
      ‖Δ_λ‖_H/‖Δ_0‖_H, what `race` reports as displacement_h, so `race --lambdas 0,λ` checks it.
      """)

  @Option(name: .customLong("run-dir"), help: "A run directory made by `lorascope run` (stage t − 1 finished).")
  var runDir: String

  @Option(help: "The stage t ≥ 1 to predict.")
  var stage: Int

  @Option(help: "λ values (as in sweep: 1e2:1e4:x10); default: 15 λ over 7 decades around the spectrum's λ(0.5).")
  var lambdas: String?

  @Option(help: "Sequences per probe (block t's training data, its validation users, the earlier blocks' validation users).")
  var probe: Int = ContinualSession.lambdaCurveProbeSize

  @Option(help: "The run's dataset, if it moved since the run.")
  var data: String?

  @Option(help: "Backbone cache directory, as given to `run`.")
  var cache: String?

  @Flag(help: "Print JSON.")
  var json = false

  func validate() throws {
    guard stage >= 1 else { throw ValidationError("--stage must be ≥ 1 (stage 0 has no anchor)") }
    guard probe >= 2 else { throw ValidationError("--probe must be ≥ 2, not \(probe)") }
    _ = try grid()
  }

  func grid() throws -> [Double]? {
    guard let lambdas else { return nil }
    do {
      return try LambdaGrid.parse(lambdas)
    } catch let error as LorascopeError {
      throw ValidationError(error.description)
    }
  }

  func run() throws {
    let state = try RunState.load(runDir: runDir, data: data, cache: cache)
    let finished = state.session.stage
    guard stage < state.session.dataset.numBlocks, stage <= finished else {
      throw LorascopeError.usage(
        "--stage \(stage) needs stage \(stage - 1) finished in \(runDir) (finished: \(finished == 0 ? "none" : "0…\(finished - 1)"))")
    }
    let curve = try state.session.predictLambdaCurve(stage: stage, lambdas: try grid(), probeSize: probe)
    if json {
      try printJSON(curve)
      return
    }
    try printResult(PredictReport.render(curve))
  }
}

/// The curve as text: one row per λ, then the suggestions and the time taken.
enum PredictReport {
  static func render(_ c: LambdaCurve) -> String {
    var table = TextTable(["λ", "retained_h", "retained_fro", "Δ CE new", "Δ CE old"])
    for p in c.curve {
      table.add(
        [fmtLambda(p.lambda), String(format: "%.3f", p.retainedH), String(format: "%.3f", p.retainedFrobenius),
         String(format: "%+.4f", p.newCEDelta), String(format: "%+.4f", p.oldCEDelta)])
    }
    let suggestions = zip(LambdaCurve.targets, c.suggestedLambda).map { target, lambda in
      "  retained \(String(format: "%.1f", target)): λ ≈ " + (lambda.map(fmtLambda) ?? "not reached on this grid")
    }
    return "stage \(c.stage): predicted λ curve (against λ = 0; Docs/Math.md §45)\n" + table.render()
      + "\n\nsuggested λ (check with `lorascope race --lambdas 0,λ`):\n" + suggestions.joined(separator: "\n")
      + String(format: "\n\n%.1f s", c.seconds)
  }
}
