import ArgumentParser
import Foundation
import LorascopeEngine

extension FisherKind: ExpressibleByArgument {}

/// Options shared by `spectrum` and `verify`: which run, stage, module and Σ.
struct SpectrumOptions: ParsableArguments {
  @Option(name: .customLong("run-dir"), help: "A run directory made by `lorascope run`.")
  var runDir: String

  @Option(help: "The stage t ≥ 1: Σ_t on block t, H_{t−1} at v_{t−1}.")
  var stage: Int

  @Option(help: "One module by PEFT name (e.g. layers.0.self_attn.q_proj.lora_A); default: the first for `spectrum`, every module and the joint view for `verify`.")
  var module: String?

  @Flag(help: "All modules jointly (low-rank path).")
  var joint = false

  @Option(help: "Probe examples n (seeded sample of block t's training sequences).")
  var probe: Int = 128

  @Option(help: "empirical | sampled | ggn (exact Gauss–Newton: one module, small --probe).")
  var fisher: FisherKind = .empirical

  @Option(help: "λ for the weights (default: the λ in force at the end of the stage, from metrics.json's lambda_history).")
  var lambda: Double?

  @Option(name: .customLong("eps-relative"), help: "Damping ε = eps-relative / m for a module of m entries.")
  var epsRelative: Double = 1e-3

  @Option(help: "The run's dataset, if it moved since the run (a PESO directory).")
  var data: String?

  @Option(help: "Backbone cache directory, as given to `run`.")
  var cache: String?

  /// Checks the options when parsed, before the run is opened.
  mutating func validate() throws {
    guard stage >= 1 else { throw ValidationError("--stage must be ≥ 1 (stage 0 has no anchor), not \(stage)") }
    guard probe >= 1, probe <= 1_000_000 else { throw ValidationError("--probe must be between 1 and 1000000, not \(probe)") }
    if let lambda, !(lambda.isFinite && lambda >= 0) { throw ValidationError("--lambda must be a finite number ≥ 0, not \(lambda)") }
    guard epsRelative.isFinite, epsRelative > 0 else { throw ValidationError("--eps-relative must be a finite number > 0, not \(epsRelative)") }
  }

  func selection(in layout: LoRALayout) throws -> SpectrumAnalysis.Selection {
    if joint { return .joint }
    guard let module else { return .module(0) }
    guard let i = layout.modules.firstIndex(where: { $0.name == module }) else {
      throw ValidationError("no module '\(module)'; modules are named like \(layout.modules[0].name)")
    }
    return .module(i)
  }
}

/// `lorascope spectrum`: ρ_k and w_k of a run's stage (Docs/Design.md §3).
struct SpectrumCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "spectrum",
    abstract: "Generalized eigenvalues ρ_k of (Σ_t, H_{t−1}) and the interpolation weights w_k = ρ_k/(ρ_k+λ_eff).")

  @OptionGroup var options: SpectrumOptions

  @Flag(help: "Solve the p × p problem with LAPACKE_dsygvd instead of the n × n reduction (one module).")
  var dense = false

  @Option(help: "How many top directions to describe.")
  var directions: Int = 5

  @Option(help: "Write G, p (or h_diag), module_offsets, eps, lambda_eff as safetensors for SciPy.")
  var dump: String?

  @Flag(help: "Print JSON.")
  var json = false

  mutating func validate() throws {
    guard directions >= 0 else { throw ValidationError("--directions must be ≥ 0, not \(directions)") }
  }
  @Option(parsing: .upToNextOption, help: "Per-example gradient files (Scripts/export_gradients.py) for an imported run: streamed spectrum.")
  var gradients: [String] = []

  func run() throws {
    if !gradients.isEmpty { return try runOnGradients() }
    let state = try RunState.load(runDir: options.runDir, data: options.data, cache: options.cache)
    let session = state.session
    let source = try session.spectrumSource(stage: options.stage, probeSize: options.probe, seed: session.config.seed)
    let selection = try options.selection(in: source.layout)
    let analysis = try SpectrumPipeline.run(
      source: source, selection: selection, fisher: options.fisher, epsRelative: options.epsRelative,
      dense: dense, directions: directions)
    let strength = try analysis.strength(lambda: options.lambda ?? session.metrics.lambda(atEndOfStage: options.stage))
    let names = Set(analysis.modules.map(\.name))
    // The spectrum needs only stage t − 1; the penalty at v_t (exact vs bf16, inertness) needs
    // stage t finished: while it trains, those fields are empty and the text says why.
    let finished = options.stage < session.adapters.count
    let precision = finished
      ? try session.penaltyPrecisionComparison(stage: options.stage).filter { names.contains($0.module) } : nil
    let inertness = finished
      ? try session.penaltyInertness(
        stage: options.stage, lambda: strength.lambda, probeSize: options.probe, seed: session.config.seed) : nil
    let report = SpectrumReport(
      analysis: analysis, strength: strength, directions: directions, modulePenalties: precision,
      penaltyGradientRatio: inertness?.ratio, penaltyNats: inertness?.nats,
      changeShare: session.metrics.stages.first { $0.stage == options.stage }?.changeShare)
    if let dump { try report.dump(to: URL(fileURLWithPath: dump)) }
    if json { try printJSON(report) } else { try printResult(report.render()) }
  }
}

/// What `spectrum` prints (`--json` keys fixed by the issue: rho, weights, eps, lambda_eff,
/// fisher, shift_count, gauge_count).
struct SpectrumReport: Encodable {
  let analysis: SpectrumAnalysis
  let strength: ProximalStrength
  let directions: Int
  /// Per module of the selection: the stage's softmax-KL exact and in bf16, and their gradients'
  /// cosine; nil while stage t is not finished (there is no v_t yet).
  let modulePenalties: [PenaltyPrecisionComparison]?
  /// ‖λ_eff ∇P‖/‖∇CE‖ over the adapter at v_t (probe of block t), and λ_eff·Σ_g P_g in nats.
  let penaltyGradientRatio: Double?
  let penaltyNats: Double?
  /// The stage's CE change split between its LoRA and embedding/lm_head updates
  /// (Docs/Math.md §48); absent when embeddings did not train or the stage is not finished.
  var changeShare: ChangeShare? = nil

  /// λ(w*) for w* = 0.9, 0.5, 0.1 at the median resolved ρ (`LambdaGuidance`), keyed "0.9", "0.5", "0.1".
  var suggestedLambda: [String: Double] {
    guard let guidance = LambdaGuidance(spectrum: analysis.spectrum, adaptedLinears: analysis.adaptedLinears) else { return [:] }
    var out: [String: Double] = [:]
    for s in guidance.suggestions { out[String(s.weight)] = s.lambda }
    return out
  }

  struct DirectionReport: Encodable {
    let k: Int
    let rho: Double
    let weight: Double
    let largestEntries: [SpectrumAnalysis.Entry]
    enum CodingKeys: String, CodingKey { case k, rho, weight, largestEntries = "largest_entries" }
  }

  var topDirections: [DirectionReport] {
    let w = analysis.weights(at: strength)
    return (0..<min(directions, analysis.spectrum.directions?.count ?? 0)).map {
      DirectionReport(k: $0, rho: analysis.spectrum.rho[$0], weight: w[$0], largestEntries: analysis.largestEntries(ofDirection: $0))
    }
  }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: SpectrumJSONKey.self)
    try c.encodeSpectrum(analysis.spectrum, at: strength, probe: analysis.probeExamples)
    try c.encode(analysis.label, forKey: .selection)
    try c.encode(analysis.metricKind, forKey: .metric)
    try c.encode(analysis.fisher.rawValue, forKey: .fisher)
    try c.encode(analysis.weights(at: strength), forKey: .weights)
    try c.encode(topDirections, forKey: .topDirections)
    try c.encode(modulePenalties ?? [], forKey: .modules)
    try c.encode(suggestedLambda, forKey: .suggestedLambda)
    try c.encode(penaltyGradientRatio, forKey: .penaltyGradientRatio)
    try c.encode(penaltyNats, forKey: .penaltyNats)
    try c.encodeIfPresent(changeShare, forKey: .changeShare)
  }

  func render() -> String {
    let s = analysis.spectrum
    let le = strength.effective
    let w = analysis.weights(at: strength)
    var out = "\(analysis.label) · Σ: \(analysis.fisher.title), n = \(analysis.probeExamples) · H: \(analysis.metricKind) · \(s.method.rawValue) path, p = \(s.dimension)\n"
    let epsText = s.eps.count == 1 ? String(format: "%.3g", s.eps[0]) : String(format: "%.3g…%.3g", s.eps.min()!, s.eps.max()!)
    out += String(format: "λ = %g, λ_eff = λ/|L| = %.4g, ε = %@\n", strength.lambda, le, epsText)
    let counts = s.directionCounts(at: strength)
    out += "directions with w > 0.5: \(counts.plastic) · w ≤ 0.5: \(counts.stable) · zero cluster (gauge + null, ρ ≈ 0): \(s.gaugeCount)"
    out += " · shift (ρ ~ 1/ε, shown apart): \(s.shiftRho.count)\n"
    if !s.shiftRho.isEmpty {
      out += "shift ρ: " + s.shiftRho.prefix(6).map { String(format: "%.3g", $0) }.joined(separator: ", ") + (s.shiftRho.count > 6 ? ", …" : "") + "\n"
    }
    if let ratio = penaltyGradientRatio, let penaltyNats {
      out += String(format: "whole adapter at v_t: penalty %.4g nats, ‖λ_eff ∇P‖/‖∇CE‖ = %.3g%@\n", penaltyNats, ratio,
                    ratio < PenaltyInertness.inertThreshold ? " (λ inert)" : "")
    } else if modulePenalties == nil {
      out += "the stage is not finished: no v_t yet, so no penalty, inertness or bf16 comparison\n"
    }
    if let share = changeShare, let lora = share.lora, let embeddings = share.embeddings {
      out += String(format: "CE change of the stage: %.0f %% through LoRA, %.0f %% through embeddings/lm_head (Docs/Math.md §48)%@\n",
                    lora * 100, embeddings * 100,
                    share.anchorCannotReachMost ? "; λ anchors only the LoRA part and cannot reach most of it" : "")
    }
    if !suggestedLambda.isEmpty {
      out += "λ that puts the median resolved ρ at w = 0.9 / 0.5 / 0.1: "
      out += ["0.9", "0.5", "0.1"].compactMap { suggestedLambda[$0].map { String(format: "%.4g", $0) } }.joined(separator: " / ") + "\n"
    }
    var t = TextTable(["k", "ρ_k", "w_k"])
    for k in 0..<min(20, s.nonZeroRho.count) { t.add(["\(k)", String(format: "%.4g", s.rho[k]), String(format: "%.4f", w[k])]) }
    out += t.render()
    for d in topDirections {
      out += "\nq_\(d.k) (ρ \(String(format: "%.3g", d.rho)), w \(String(format: "%.3f", d.weight))): "
      out += d.largestEntries.map { String(format: "%@[%d,%d] %.3f", $0.module, $0.row, $0.column, $0.value) }.joined(separator: "  ")
    }
    return out
  }

  /// SciPy-checkable dump: G [rows, p] (per-example gradients, 1/n not applied, each row times
  /// `row_scale` = √(n/N_tok) so that Σ = GᵀG/n is normalized per target token), the metric's
  /// data (`p` for softmax-KL, `h_diag` otherwise), module_offsets, eps and lambda_eff.
  func dump(to url: URL) throws {
    let offsets = [0] + analysis.modules.reduce(into: [Int]()) { acc, m in acc.append((acc.last ?? 0) + m.count) }
    let p = analysis.spectrum.dimension
    let metricName = analysis.metricKind == "softmaxKL" ? "p" : "h_diag"
    let file = try SafetensorsFile(tensors: [
      SafetensorsTensor(name: "G", doubles: analysis.gradients, shape: [analysis.rows, p]),
      SafetensorsTensor(name: metricName, doubles: analysis.metricData, shape: [p]),
      SafetensorsTensor(name: "module_offsets", int64s: offsets.map(Int64.init), shape: [offsets.count]),
      SafetensorsTensor(name: "eps", doubles: analysis.spectrum.eps, shape: [analysis.spectrum.eps.count]),
      SafetensorsTensor(name: "lambda_eff", doubles: [strength.effective], shape: [1]),
      SafetensorsTensor(name: "rho", doubles: analysis.spectrum.rho, shape: [analysis.spectrum.rho.count]),
      SafetensorsTensor(name: "row_scale", doubles: [analysis.rowScale], shape: [1]),
    ], metadata: ["format": "pt", "fisher": analysis.fisher.rawValue, "selection": analysis.label,
                   "modules": "[" + analysis.modules.map { "\"\($0.name)\"" }.joined(separator: ",") + "]"])
    try file.write(to: url)
  }
}
