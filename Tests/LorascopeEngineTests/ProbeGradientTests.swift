@testable import LorascopeEngine
import Testing

@Suite("Per-example gradients and Σ for the spectrum")
struct ProbeGradientTests {
  static func probe(config: ModelConfig, count: Int, seed: UInt64) -> [TrainingPair] {
    let b = ModelFixtures.batch(config: config, rows: count, seqLen: 8, seed: seed)
    return (0..<count).map { r in
      let row = (0..<b.seqLen).map { b.tokens[r * b.seqLen + $0] }
      let tgt = (0..<b.seqLen).map { b.targets[r * b.seqLen + $0] }
      return TrainingPair(inputs: row, targets: tgt)
    }
  }

  @Test("one batched backward equals n separate backward passes")
  func batchedEqualsSeparate() throws {
    let model = try ModelFixtures.model(weightScale: 4, lora: LoRAConfig(rank: 4, alpha: 8))
    let probe = Self.probe(config: model.config, count: 5, seed: 3)
    let g = try ProbeGradients.compute(model: model, sequences: probe, fisher: .empirical)
    let p = model.loraLayout!.count
    #expect(g.rows == 5 && g.parameters == p)
    for (n, seq) in probe.enumerated() {
      let grads = ModelGradients(model: model, backbone: .frozen, lora: true)
      try model.lossAndGradients(TokenBatch(rows: [seq]), into: grads)
      // A single-example batch gives the mean over its targets; the probe row is the sum, times rowScale.
      let targets = Double(seq.targets.filter { $0 >= 0 }.count)
      var worst = 0.0, scale = 0.0
      for i in 0..<p {
        let separate = Double(grads.lora![i]) * targets * g.rowScale
        worst = max(worst, abs(separate - g.values[n * p + i]))
        scale = max(scale, abs(separate))
      }
      #expect(worst <= 1e-5 * scale, "example \(n): max |Δ| \(worst) of \(scale)")
    }
  }

  @Test("the sampled-label Fisher averages to the exact Gauss–Newton matrix")
  func sampledConvergesToGGN() throws {
    let model = try ModelFixtures.model(weightScale: 3, lora: LoRAConfig(rank: 2, alpha: 4))
    let probe = Self.probe(config: model.config, count: 2, seed: 9)
    let module = model.loraLayout!.modules[1]  // a B factor: non-trivial gradients
    func sigma(_ g: ProbeGradients) -> [Double] {
      let cols = g.columns([module])
      return DenseSpectrumSolver.secondMoment(cols, n: g.rows, p: module.count)
    }
    let exact = sigma(try ProbeGradients.compute(model: model, sequences: probe, fisher: .ggn, modules: [module]))
    var mean = [Double](repeating: 0, count: exact.count)
    let draws = 400
    for s in 0..<draws {
      let one = sigma(try ProbeGradients.compute(model: model, sequences: probe, fisher: .sampled, seed: UInt64(s)))
      for i in mean.indices { mean[i] += one[i] / Double(draws) }
    }
    let empirical = sigma(try ProbeGradients.compute(model: model, sequences: probe, fisher: .empirical))
    func relErr(_ a: [Double]) -> Double {
      let num = zip(a, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
      return (num / exact.reduce(0) { $0 + $1 * $1 }).squareRoot()
    }
    #expect(relErr(mean) < 0.12, "Monte Carlo mean vs GGN: \(relErr(mean))")
    // The observed-label Fisher is a different matrix: the check can tell them apart.
    #expect(relErr(empirical) > relErr(mean), "empirical \(relErr(empirical)) vs sampled mean \(relErr(mean))")
  }

  @Test("dense and low-rank paths agree on a real module's spectrum")
  func denseLowRankOnModel() throws {
    let model = try ModelFixtures.model(weightScale: 4, lora: LoRAConfig(rank: 4, alpha: 8))
    let anchor = model.lora!.clone()
    var rng = SeededRNG(seed: 4)
    for i in 0..<model.lora!.count { model.lora![i] += Float(0.05 * rng.nextNormal()) }
    let probe = Self.probe(config: model.config, count: 12, seed: 5)
    let g = try ProbeGradients.compute(model: model, sequences: probe, fisher: .empirical)
    for (index, kind) in [(1, ProximalPenalty.Kind.softmaxKL), (2, .l2)] {
      let dense = try SpectrumAnalysis.solve(
        gradients: g, layout: model.loraLayout!, anchor: anchor, metricKind: kind, fisherDiagonal: nil,
        selection: .module(index), dense: true)
      let low = try SpectrumAnalysis.solve(
        gradients: g, layout: model.loraLayout!, anchor: anchor, metricKind: kind, fisherDiagonal: nil,
        selection: .module(index))
      let a = dense.spectrum.nonZeroRho, b = low.spectrum.nonZeroRho
      #expect(a.count == b.count && !a.isEmpty)
      for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-8 * max(abs(x), 1e-300), "\(kind): \(x) vs \(y)") }
      #expect(dense.spectrum.shiftRho.count == low.spectrum.shiftRho.count)
    }
  }
}
