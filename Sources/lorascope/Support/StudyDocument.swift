import Foundation
import LorascopeEngine

/// Results.md of `lorascope study`: the setup needed to rerun it, the findings in words, the
/// table of every arm against single, the figures and the per-seed numbers.
enum StudyDocument {
  static func render(
    report: SweepReport, findings: StudyFindings, arguments g: SweepArguments, figures: [String], wallSeconds: Double?
  ) -> String {
    let seeds = Set(report.runs.map(\.seed)).sorted()
    var out = "# lorascope study: \(report.dataset)\n\n"
    out += "## Setup\n\n"
    if g.collect.isEmpty {
      let o = g.options
      out += "- data `\(o.data)`, recipe `\(o.recipe.rawValue)`, \(o.evalUsers) test users per block, beam \(o.beam)"
      if let lr = o.lr { out += ", adapter learning rate \(lr)" }
      if let e = o.epochs { out += ", \(fmt(e)) adapter epochs" }
      if o.trainEmbeddings { out += ", embeddings trained" }
      out += "\n"
    } else {
      out += "- collected from finished run directories under \(g.collect.map { "`\($0)`" }.joined(separator: ", "))\n"
    }
    out += "- \(report.runs.count) runs: methods \(Set(report.runs.map(\.method.rawValue)).sorted().joined(separator: ", ")); "
      + "seeds \(seeds.map(String.init).joined(separator: ", ")) (every arm on every seed: paired)\n"
    for method in Set(report.runs.map(\.method)).filter(\.usesLambda).sorted(by: { $0.rawValue < $1.rawValue }) {
      let grid = Set(report.runs.filter { $0.method == method }.map(\.lambda)).sorted()
      out += "- \(method.rawValue) λ: \(grid.map(StudyFindings.formatLambda).joined(separator: ", "))\n"
    }
    out += "- machine: \(Machine.cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS kernel \(BLAS.kernelName)"
    if let wallSeconds { out += "; wall time \(Self.duration(wallSeconds)) (finished runs of an earlier, interrupted study are not redone)" }
    out += "\n- command: `lorascope \(CommandLine.arguments.dropFirst().joined(separator: " "))`\n\n"
    out += "Definitions: plasticity = mean R[t][t] over t ≥ 1 (each stage on its own block); stability = mean "
      + "R[T][j] over j (the final state on every block); every difference is arm − single with a 95 % "
      + "paired two-stage bootstrap interval over (seed, test user), and is called better or worse only when the "
      + "interval excludes 0 (Docs/Statistics.md).\n\n"
    out += "## Findings\n\n" + findings.markdown + "\n\n"
    if let counters = Self.counters(report) { out += counters }
    out += "## Every arm against single\n\n"
    for name in figures { out += "![\(name)](\(name))\n" }
    out += "\n```text\n" + report.table() + "\n```\n\n"
    out += "```text\n" + SweepFigures.text(report) + "\n```\n\n"
    out += "## Per seed\n\n| method | λ | seed | plasticity | stability |\n|---|---|---|---|---|\n"
    for r in report.runs {
      out += "| \(r.method.rawValue) | \(r.method.usesLambda ? StudyFindings.formatLambda(r.lambda) : "—") | \(r.seed) | "
        + "\(Self.number(r.plasticity)) | \(Self.number(r.stability)) |\n"
    }
    return out
  }

  /// The counting baselines beside every arm's plasticity (Docs/Math.md §44): does the model
  /// beat counting on this data? Nil for runs from before the counters were recorded.
  static func counters(_ report: SweepReport) -> String? {
    guard let lines = report.counterLines() else { return nil }
    var out = "## Against counting\n\n"
    out += "Popularity, a first-order Markov chain and a co-occurrence counter, fitted on exactly the data each "
      + "stage trains on and scored on the same test users (Docs/Math.md §44); their plasticity is the mean over "
      + "blocks 1…T−1, like the arms'. The frontier draws each as a dashed line.\n\n"
    out += "| counter | \(report.metric.rawValue) plasticity | seeds |\n|---|---|---|\n"
    for c in report.counters {
      out += "| \(c.baseline.label) | \(SweepReport.spread(c.plasticity)) | \(c.seeds.count) |\n"
    }
    out += "\n```text\n" + lines + "\n```\n\n"
    return out
  }

  static func number(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "—" }

  static func duration(_ s: Double) -> String {
    s >= 3600 ? String(format: "%.1f h", s / 3600) : s >= 60 ? String(format: "%.0f min", s / 60) : String(format: "%.0f s", s)
  }
}

/// The machine a result was measured on, as reports name it.
enum Machine {
  /// The CPU's model name from /proc/cpuinfo ("unknown CPU" elsewhere).
  static var cpuModel: String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
    }
    return "unknown CPU"
  }
}
