import Foundation
import LorascopeEngine

/// One run of a study.
struct StudyRun: Encodable {
  let recipe: String
  let variant: String
  let seed: UInt64
  let lambda: Double
  let wallSeconds: Double
  let report: RunReport
  enum CodingKeys: String, CodingKey { case recipe, variant, seed, lambda, wallSeconds = "wall_seconds", report }
}

/// The spectrum and the theory check of one stage of the PESO run at the chosen λ.
struct StudySpectrum: Encodable {
  let recipe: String
  let stage: Int
  let lambda: Double
  let lambdaEff: Double
  let nonZeroDirections: Int
  let plastic: Int
  let shiftCount: Int
  let gaugeCount: Int
  let topRho: [Double]
  let correlation: Double?
  let displacementRatio: Double
  let meanPredicted: Double?
  let meanRealized: Double?

  static func measure(session: ContinualSession, stage t: Int, lambda: Double, recipe: String) throws -> StudySpectrum {
    let source = try session.spectrumSource(stage: t, probeSize: 128, seed: session.config.seed)
    let analysis = try SpectrumPipeline.run(source: source, selection: .joint, fisher: .empirical, directions: 16)
    let strength = try analysis.strength(lambda: lambda)
    let free = try session.retrainStage(t, lambda: 0)
    let anchored = try session.retrainStage(t, lambda: lambda)
    let check = try TheoryCheck.evaluate(
      analysis: analysis, source: source, free: free, anchored: anchored, strength: strength)
    let fin = check.directions.filter { $0.realized.isFinite }
    return StudySpectrum(
      recipe: recipe, stage: t, lambda: lambda, lambdaEff: strength.effective,
      nonZeroDirections: analysis.spectrum.nonZeroRho.count,
      plastic: analysis.spectrum.directionCounts(at: strength).plastic, shiftCount: analysis.spectrum.shiftRho.count,
      gaugeCount: analysis.spectrum.gaugeCount, topRho: Array(analysis.spectrum.rho.prefix(5)),
      correlation: check.correlation, displacementRatio: check.displacementRatio,
      meanPredicted: fin.isEmpty ? nil : fin.map(\.predicted).reduce(0, +) / Double(fin.count),
      meanRealized: fin.isEmpty ? nil : fin.map(\.realized).reduce(0, +) / Double(fin.count))
  }
}

struct StudyFile: Encodable {
  let runs: [StudyRun]
  let spectra: [StudySpectrum]
}

/// Markdown tables of a study (what Docs/Results.md holds).
enum StudyMarkdown {
  static func meanSpread(_ xs: [Double]) -> String {
    guard !xs.isEmpty else { return "—" }
    let m = xs.reduce(0, +) / Double(xs.count)
    guard xs.count > 1 else { return String(format: "%.4f", m) }
    let sd = (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
    return String(format: "%.4f ± %.4f (n=%d)", m, sd, xs.count)
  }

  static func render(runs: [StudyRun], spectra: [StudySpectrum], lambda: Double, lambdaGrid: [Double], data: String) -> String {
    var out = "# lorascope study\n\nData: `\(data)` · BLAS: \(BLAS.kernelName)\n"
    for recipe in Array(Set(runs.map(\.recipe))).sorted() {
      let rs = runs.filter { $0.recipe == recipe }
      out += "\n## Recipe: \(recipe)\n\n### Methods (λ = \(fmt(lambda)) where a method has one)\n\n"
      out += "NDCG@5 on each stage's own block averaged over blocks 1…T−1 (mean ± sample standard deviation over seeds where several ran), per block, forgetting and BWT of NDCG@5.\n\n"
      let blocks = rs.first?.report.metrics.blocks ?? 0
      out += "| method | seeds | NDCG@5 avg 1…\(blocks - 1) | Hit@5 avg | " + (0..<blocks).map { "block \($0)" }.joined(separator: " | ") + " | forgetting | BWT | wall s |\n"
      out += "|---|---|---|---|" + String(repeating: "---|", count: blocks) + "---|---|---|\n"
      var variants: [String] = []
      for r in rs where !variants.contains(r.variant) && (!r.variant.hasPrefix("peso") || r.variant == "peso λ=\(fmt(lambda))") {
        variants.append(r.variant)
      }
      for v in variants {
        let group = rs.filter { $0.variant == v }
        let first = group[0].report
        let perBlock = first.metrics.stages.map { String(format: "%.4f", $0.own.ndcg5) }
        out += "| \(v) | \(group.map { String($0.seed) }.joined(separator: ",")) | "
        out += meanSpread(group.compactMap { $0.report.ndcg5AverageBlocks1ToEnd }) + " | "
        out += meanSpread(group.compactMap { $0.report.hit5AverageBlocks1ToEnd }) + " | "
        out += perBlock.joined(separator: " | ") + " | "
        out += f4(first.forgettingNDCG5) + " | " + f4(first.backwardTransferNDCG5) + " | "
        out += String(format: "%.0f", group.map(\.wallSeconds).reduce(0, +) / Double(group.count)) + " |\n"
      }
      out += "\n(per-block, forgetting and BWT columns: seed \(rs.first?.seed ?? 0))\n"
      out += "\n### PESO λ sweep (seed \(rs.first?.seed ?? 0))\n\n| λ | NDCG@5 avg | Hit@5 avg |\n|---|---|---|\n"
      var points: [(Double, Double)] = []
      for l in lambdaGrid {
        guard let r = rs.first(where: { $0.variant == "peso λ=\(fmt(l))" && $0.seed == rs.first!.seed }) else { continue }
        out += "| \(fmt(l)) | \(f4(r.report.ndcg5AverageBlocks1ToEnd)) | \(f4(r.report.hit5AverageBlocks1ToEnd)) |\n"
        if let y = r.report.ndcg5AverageBlocks1ToEnd { points.append((l, y)) }
      }
      out += "\n```\n" + plot(points) + "```\n"
      let sp = spectra.filter { $0.recipe == recipe }
      if !sp.isEmpty {
        out += "\n### Spectrum at λ = \(fmt(lambda)) (joint, empirical Fisher, n = 128) and `verify`\n\n"
        out += "| stage | λ_eff | non-zero ρ | w > 0.5 | shift | zero cluster | top ρ | corr(w, realized) | ‖Δλ‖/‖Δ0‖ | mean w | mean realized |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
        for s in sp {
          out += "| \(s.stage) | \(String(format: "%.4f", s.lambdaEff)) | \(s.nonZeroDirections) | \(s.plastic) | \(s.shiftCount) | \(s.gaugeCount) | "
          out += s.topRho.prefix(3).map { String(format: "%.3g", $0) }.joined(separator: ", ")
          out += " | \(f4(s.correlation)) | \(f4(s.displacementRatio)) | \(f4(s.meanPredicted)) | \(f4(s.meanRealized)) |\n"
        }
      }
    }
    return out
  }

  /// A small ASCII plot of NDCG@5 against λ.
  static func plot(_ points: [(Double, Double)], height: Int = 8) -> String {
    guard let lo = points.map(\.1).min(), let hi = points.map(\.1).max(), !points.isEmpty else { return "(no points)\n" }
    let span = max(hi - lo, 1e-12)
    var rows = [[Character]](repeating: [Character](repeating: " ", count: points.count * 6), count: height)
    for (i, p) in points.enumerated() {
      let r = height - 1 - Int(((p.1 - lo) / span * Double(height - 1)).rounded())
      rows[r][i * 6 + 2] = "●"
    }
    var out = ""
    for (r, row) in rows.enumerated() {
      let label = r == 0 ? String(format: "%.4f", hi) : (r == height - 1 ? String(format: "%.4f", lo) : "      ")
      out += label + " │" + String(row) + "\n"
    }
    out += "       └" + String(repeating: "─", count: points.count * 6) + "\n        "
    out += points.map { fmt($0.0).padding(toLength: 6, withPad: " ", startingAt: 0) }.joined() + "  λ\n"
    return out
  }
}
