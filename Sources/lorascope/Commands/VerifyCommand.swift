import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope verify`: does the quadratic model's w_k predict what training does? (Docs/Design.md §3,
/// Docs/Math.md §31). Only the directions with 0.05 ≤ w_k ≤ 0.95 are compared: the others are
/// predicted to keep all or nothing of their displacement, and agreeing there confirms nothing.
struct VerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Retrain a stage from v_{t−1} with λ = 0 and with the run's λ; compare realized ratios with w_k where 0.05 ≤ w_k ≤ 0.95.")

  @OptionGroup var options: SpectrumOptions

  @Option(help: "At most this many testable directions (0.05 ≤ w_k ≤ 0.95) are compared, evenly spread by w_k.")
  var directions: Int = TheoryCheck.defaultComparedDirections

  @Flag(help: "Print JSON.")
  var json = false

  mutating func validate() throws {
    guard directions >= 1 else { throw ValidationError("--directions must be ≥ 1, not \(directions)") }
  }

  func run() throws {
    let state = try RunState.load(runDir: options.runDir, data: options.data, cache: options.cache)
    let session = state.session
    let lambda = options.lambda ?? session.metrics.lambda(atEndOfStage: options.stage)
    StandardStreams.writeError("verify: retraining stage \(options.stage) with λ = 0 and λ = \(lambda)…\n")
    let free = try session.retrainStage(options.stage, lambda: 0)
    let anchored = try session.retrainStage(options.stage, lambda: lambda)
    let source = try session.spectrumSource(stage: options.stage, probeSize: options.probe, seed: session.config.seed)
    let strength = try ProximalStrength(lambda: lambda, layout: source.layout)
    let layout = source.layout
    var selections: [SpectrumAnalysis.Selection] = [.joint]
    if !options.joint {
      selections = options.module != nil ? [try options.selection(in: layout)] : Array(layout.modules.indices).map { .module($0) } + [.joint]
    }
    if options.fisher == .ggn && (selections.count != 1 || selections[0] == .joint) {
      throw ValidationError("--fisher ggn is computed per module: pass --module NAME")
    }
    let gradients = try SpectrumPipeline.gradients(source: source, fisher: options.fisher, selection: selections[0])
    var checks: [TheoryCheck] = []
    for sel in selections {
      let analysis = try TheoryCheck.analyze(
        source: source, gradients: gradients, selection: sel, epsRelative: options.epsRelative)
      checks.append(try TheoryCheck.evaluate(
        analysis: analysis, source: source, free: free, anchored: anchored, strength: strength, limit: directions))
    }
    if json {
      try printJSON(checks)
      return
    }
    try printResult(Self.render(checks, stage: options.stage, fisher: options.fisher))
  }

  /// The per-selection table, the last selection's compared directions, and its verdict in words.
  static func render(_ checks: [TheoryCheck], stage: Int, fisher: FisherKind) -> String {
    guard let last = checks.last else { return "no selection to check" }
    var out = "stage \(stage), λ = \(last.lambda) (λ_eff \(String(format: "%.4g", last.lambdaEff))), Σ: \(fisher.title)\n"
    out += "bands of predicted w_k over the resolved directions; only 0.05 ≤ w_k ≤ 0.95 tests the model\n"
    var t = TextTable([
      "selection", "w<0.05", "0.05–0.95", "w>0.95", "compared", "median |w−realized|", "corr", "‖Δλ‖/‖Δ0‖", "verdict",
    ])
    for c in checks {
      t.add([
        c.selection, "\(c.bands.below)", "\(c.bands.testable)", "\(c.bands.above)", "\(c.directions.count)",
        f4(c.medianGap), f4(c.correlation), f4(c.displacementRatio), c.agreement.rawValue,
      ])
    }
    out += t.render() + "\n"
    if !last.directions.isEmpty {
      var d = TextTable(["k", "ρ_k", "predicted w_k", "realized c_k(λ)/c_k(0)", "|predicted − realized|"])
      for r in last.directions {
        d.add([
          "\(r.k)", String(format: "%.4g", r.rho), f4(r.predicted), f4(r.realized),
          f4(r.realized.isFinite ? abs(r.realized - r.predicted) : nil),
        ])
      }
      let subset = last.directions.count < last.testableDirections ? ", an evenly spread subset by w_k" : ""
      out += "\n\(last.selection): \(last.directions.count) of \(last.testableDirections) testable directions\(subset)\n"
      out += d.render() + "\n"
    }
    out += "\n\(last.selection): " + verdict(last)
    return out
  }

  /// The verdict in words (Docs/Math.md §31).
  static func verdict(_ check: TheoryCheck) -> String {
    let gap = f4(check.medianGap)
    switch check.agreement {
    case .cannotBeChecked:
      return (check.bands.uncheckableReason ?? "cannot be checked at this λ") + "."
    case .tooFewDirections:
      return "fewer than 3 testable directions have a defined realized ratio: no verdict."
    case .holds:
      return "the quadratic model holds: on the testable directions the realized ratios follow w_k (median gap \(gap))."
    case .scatters:
      return "the realized ratios scatter around w_k on the testable directions (median gap \(gap)): AdamW's"
        + " finite, per-coordinate steps and a non-convex loss take training outside the quadratic model."
    case .breaksAtLargeLambda:
      return "the quadratic picture breaks at this λ: the testable directions keep more of their free displacement"
        + " than w_k predicts (median gap \(gap)); AdamW holds a stiff direction only to about ±lr per step."
    }
  }
}
