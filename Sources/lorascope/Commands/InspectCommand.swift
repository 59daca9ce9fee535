import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope inspect`: the penalties an imported run's adapters imply, without gradients (issue 13).
struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Per stage ≥ 1 and module of an imported run: exact and bf16 softmax-KL penalty, ‖Δ‖, H's spectrum, a first λ verdict.",
    discussion: """
      The exact penalty is KL(softmax(v_t) ‖ softmax(v_{t−1})) in float64; the bf16 penalty \
      follows the released PESO code's op sequence with every op rounded to bf16. A module is \
      'inert' when λ_eff·h_max, the stiffest curvature the penalty adds, is below \
      --curvature-floor, and 'bf16 noise' when the bf16 penalty is off by more than its exact \
      value. See Docs/Inspecting.md.
      """)

  @Option(name: .customLong("run-dir"), help: "A run directory made by `lorascope import`.")
  var runDir: String

  @OptionGroup var penalty: PenaltyOptions

  @Flag(help: "Print JSON.")
  var json = false

  func run() throws {
    let run = try ImportedRun.open(URL(fileURLWithPath: runDir))
    let report = try PenaltyReport(run: run, options: penalty)
    if json { try printJSON(report) } else { try printResult(report.render(showRows: penalty.rows)) }
  }
}

/// λ and the verdict threshold, shared by `import` and `inspect`.
struct PenaltyOptions: ParsableArguments {
  @Option(help: "λ of the run (the released recipe's continual_loss_weight is 2.0); λ_eff = λ/|L|.")
  var lambda: Double = PenaltyInspection.releasedLambda

  @Option(name: .customLong("curvature-floor"), help: "A module is 'inert' when λ_eff·h_max is below this curvature.")
  var curvatureFloor: Double = PenaltyInspection.defaultCurvatureFloor

  @Option(help: "How many module rows per stage to print, largest exact penalty first (0 = all).")
  var rows: Int = 20
}

/// What `inspect` (and `import`) print: per-stage totals, then per module.
struct PenaltyReport: Encodable {
  let run: String
  let lambda: Double
  let lambdaEff: Double
  let adaptedLinears: Int
  let curvatureFloor: Double
  let stages: [StagePenalty]
  let modules: [ModulePenalty]

  enum CodingKeys: String, CodingKey {
    case run, lambda, lambdaEff = "lambda_eff", adaptedLinears = "adapted_linears", curvatureFloor = "curvature_floor"
    case stages, modules
  }

  init(run: ImportedRun, options: PenaltyOptions) throws {
    let strength: ProximalStrength
    do {
      strength = try ProximalStrength(lambda: options.lambda, adaptedLinears: run.manifest.adaptedLinears)
    } catch let error as LorascopeError {
      throw ValidationError("--lambda: \(error)")
    }
    let (rows, totals) = try PenaltyInspection.inspect(run: run, lambda: options.lambda, curvatureFloor: options.curvatureFloor)
    self.run = run.url.path
    lambda = options.lambda
    adaptedLinears = run.manifest.adaptedLinears
    lambdaEff = strength.effective
    curvatureFloor = options.curvatureFloor
    stages = totals
    modules = rows
  }

  func render(showRows: Int) -> String {
    var out = String(format: "λ = %g, |L| = %d, λ_eff = %.4g · verdict: inert when λ_eff·h_max < %.3g\n", lambda, adaptedLinears, lambdaEff, curvatureFloor)
    if stages.isEmpty { return out + "one stage only: penalties need stages t ≥ 1 and their anchors t − 1\n" }
    var totals = TextTable(["stage", "λ_eff·ΣP exact", "λ_eff·ΣP bf16", "inert", "bf16 noise", "modules"])
    for s in stages {
      let count = modules.filter { $0.stage == s.stage }.count
      totals.add(["\(s.stage)", fmt(s.totalExact), fmt(s.totalBF16), "\(s.inertModules)", "\(s.bf16NoiseModules)", "\(count)"])
    }
    out += totals.render() + "\n"
    for s in stages {
      var rowsOfStage = modules.filter { $0.stage == s.stage }.sorted { $0.penaltyExact > $1.penaltyExact }
      let total = rowsOfStage.count
      if showRows > 0 { rowsOfStage = Array(rowsOfStage.prefix(showRows)) }
      out += "\nstage \(s.stage) (\(rowsOfStage.count) of \(total) modules, largest exact penalty first)\n"
      var t = TextTable(["module", "m", "P exact", "P bf16", "½ΔᵀHΔ", "‖Δ‖_F", "‖Δ‖_H", "h_max", "λ_eff·h_max", "verdict"])
      for r in rowsOfStage {
        t.add([r.module, "\(r.entries)", fmt(r.penaltyExact), fmt(r.penaltyBF16), fmt(r.penaltyQuadratic), fmt(r.displacementFro),
               fmt(r.displacementH), fmt(r.hMax), fmt(r.stiffness), r.verdict])
      }
      out += t.render()
    }
    return out
  }

  private func fmt(_ x: Double) -> String { String(format: "%.4g", x) }
}
