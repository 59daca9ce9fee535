import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope verify`: does the quadratic model's w_k predict what training does? (Docs/Design.md §3)
struct VerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Retrain a stage from v_{t−1} with λ = 0 and with the run's λ; compare realized ratios with w_k.")

  @OptionGroup var options: SpectrumOptions

  @Option(help: "How many top directions to compare.")
  var directions: Int = 16

  @Flag(help: "Print JSON.")
  var json = false

  mutating func validate() throws {
    guard directions >= 0 else { throw ValidationError("--directions must be ≥ 0, not \(directions)") }
  }

  func run() throws {
    let state = try RunState.load(runDir: options.runDir, data: options.data, cache: options.cache)
    let session = state.session
    let lambda = options.lambda ?? session.metrics.lambda(atEndOfStage: options.stage)
    FileHandle.standardError.write("verify: retraining stage \(options.stage) with λ = 0 and λ = \(lambda)…\n".data(using: .utf8)!)
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
      let analysis = try SpectrumPipeline.analyze(
        source: source, gradients: gradients, selection: sel, epsRelative: options.epsRelative, directions: directions)
      checks.append(try TheoryCheck.evaluate(
        analysis: analysis, source: source, free: free, anchored: anchored, strength: strength))
    }
    if json {
      try printJSON(checks)
      return
    }
    var t = TextTable(["selection", "corr(w, realized)", "‖Δλ‖/‖Δ0‖", "mean w (top)", "mean realized (top)"])
    for c in checks {
      let fin = c.directions.filter { $0.realized.isFinite }
      let mw = fin.isEmpty ? nil : fin.map(\.predicted).reduce(0, +) / Double(fin.count)
      let mr = fin.isEmpty ? nil : fin.map(\.realized).reduce(0, +) / Double(fin.count)
      t.add([c.selection, f4(c.correlation), f4(c.displacementRatio), f4(mw), f4(mr)])
    }
    print("stage \(options.stage), λ = \(lambda), Σ: \(options.fisher.title), top \(directions) directions per selection")
    print(t.render())
    if let joint = checks.last {
      var d = TextTable(["k", "ρ_k", "predicted w_k", "realized c_k(λ)/c_k(0)"])
      for r in joint.directions { d.add(["\(r.k)", String(format: "%.4g", r.rho), f4(r.predicted), f4(r.realized)]) }
      print("\n\(joint.selection):\n" + d.render())
    }
    print("\nThe quadratic model holds for small steps near v_{t−1}; large AdamW steps and a non-convex loss make the realized ratios scatter around w_k.")
  }
}
