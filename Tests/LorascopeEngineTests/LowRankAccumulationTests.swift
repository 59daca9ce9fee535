import Testing

@testable import LorascopeEngine

/// The in-memory low-rank path accumulates M = (1/n) G H⁻¹ Gᵀ one run of modules per core,
/// reading each module's columns of G in place; the streamed path adds copied blocks one module
/// after another. Both must form the same M.
@Suite("Low-rank accumulation over the cores")
struct LowRankAccumulationTests {
  @Test("module runs are contiguous, cover every module once, number at most the cores, and balance width")
  func moduleRuns() {
    let widths = [1024, 2752, 1024, 2752, 1024, 1024, 2752, 1024, 64, 64]
    for count in 1...4 {
      let runs = LowRankSpectrumSolver.moduleRuns(widths: widths, count: count)
      #expect(runs.count <= count && !runs.isEmpty)
      #expect(runs.first?.lowerBound == 0 && runs.last?.upperBound == widths.count)
      for (a, b) in zip(runs, runs.dropFirst()) { #expect(a.upperBound == b.lowerBound && !a.isEmpty) }
      let loads = runs.map { widths[$0].reduce(0, +) }
      // No run exceeds an equal share by more than the widest module.
      let total = widths.reduce(0, +)
      #expect(loads.allSatisfy { $0 <= total / runs.count + (widths.max() ?? 0) })
    }
    #expect(LowRankSpectrumSolver.moduleRuns(widths: [5], count: 4) == [0..<1])
  }

  @Test("M from the per-core runs equals M added module by module from copied blocks")
  func parallelEqualsSerial() throws {
    let n = 11
    let widths = [24, 40, 16, 40, 8]
    let p = widths.reduce(0, +)
    let g = SpectrumFixtures.gradients(n: n, p: p, seed: 41)
    let metrics: [ProximalMetric] = widths.enumerated().map { m, w in
      m == 2 ? .identity(dimension: w) : .softmaxKL(anchorLogits: SpectrumFixtures.normals(w, seed: UInt64(m)))
    }
    let metric = try JointProximalMetric(modules: metrics)
    let inverses = try metric.preparedInverses(eps: metric.defaultEps())
    let parallel = LowRankSpectrumSolver.accumulate(G: g, n: n, p: p, metric: metric, inverses: inverses)

    var serial = LowRankAccumulator(n: n)
    for (m, inverse) in inverses.enumerated() {
      let r = metric.range(of: m)
      let block = (0..<n).flatMap { i in r.map { g[i * p + $0] } }
      block.withUnsafeBufferPointer { serial.add(block: $0, width: r.count, inverse: inverse, module: m) }
    }
    let a = parallel.matrix(), b = serial.matrix()
    let scale = b.map(abs).max() ?? 1
    #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * scale })
    #expect(abs(parallel.squaredNorm - serial.squaredNorm) <= 1e-12 * serial.squaredNorm)
    #expect(parallel.shiftSums.map(\.0) == serial.shiftSums.map(\.0))
  }
}
