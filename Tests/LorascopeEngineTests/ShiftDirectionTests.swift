@testable import LorascopeEngine
import Testing

/// The softmax-KL shift direction: ρ ~ 1/ε, reported apart from `rho` (Docs/Design.md §3).
struct ShiftDirectionTests {
  @Test func shiftScalesAsInverseEpsAndStaysOutOfRho() throws {
    let m = 50
    let n = 10
    let metric = ProximalMetric.softmaxKL(
      anchorLogits: SpectrumFixtures.normals(m, scale: 0.3, seed: 31))
    let g = SpectrumFixtures.gradients(n: n, p: m, seed: 32)
    let eps = metric.defaultEps()
    #expect(abs(eps - 1e-3 / Double(m)) < 1e-18)
    for solve in [DenseSpectrumSolver.solve, LowRankSpectrumSolver.solve] as [SingleSolver] {
      let coarse = try solve(g, n, m, metric, eps, 0, GeneralizedSpectrum.defaultZeroThreshold)
      let fine = try solve(g, n, m, metric, eps / 10, 0, GeneralizedSpectrum.defaultZeroThreshold)
      #expect(coarse.shiftRho.count == 1 && fine.shiftRho.count == 1)
      let ratio = fine.shiftRho[0] / coarse.shiftRho[0]
      #expect(abs(ratio - 10) < 0.05)
      // The finite ρ barely move with ε, and none of them is the shift.
      #expect(SpectrumFixtures.worstRelative(fine.nonZeroRho, coarse.nonZeroRho) < 1e-2)
      #expect(coarse.nonZeroRho.count == n - 1)
      #expect(coarse.unresolvedShift < 1e-3)
      #expect(!coarse.rho.contains { abs($0 - coarse.shiftRho[0]) < 0.5 * coarse.shiftRho[0] })
    }
  }

  /// Jointly, one module's shift ρ can sit below another module's data ρ: a rule based on
  /// the size of ρ would miss it; the H_ε-cosine rule (ShiftSplit.swift) does not.
  @Test func shiftFoundWhenItSitsInsideTheDataSpectrum() throws {
    let n = 20
    let sizes = [40, 30]
    let strongRank = 3
    let joint = try JointProximalMetric(modules: [
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(sizes[0], scale: 0.2, seed: 41)),
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(sizes[1], scale: 0.2, seed: 42)),
    ])
    let p = joint.dimension
    var g = SpectrumFixtures.gradients(n: n, p: p, seed: 43)
    // Module 1: 1000× larger, rank-3, mean-free gradients. Its 3 data ρ dwarf module 0's
    // shift ρ, its own G·1 = 0 leaves it without a shift, and the other 17 dimensions of
    // the row space leave room for module 0's shift to stand apart.
    let mix = SpectrumFixtures.normals(n * strongRank, seed: 44)
    let pattern = SpectrumFixtures.normals(strongRank * sizes[1], seed: 45)
    let r = joint.range(of: 1)
    for i in 0..<n {
      var row = (0..<sizes[1]).map { j in
        (0..<strongRank).reduce(0) { $0 + mix[i * strongRank + $1] * pattern[$1 * sizes[1] + j] }
      }
      let mean = row.reduce(0, +) / Double(row.count)
      row = row.map { 1000 * ($0 - mean) }
      for j in 0..<sizes[1] { g[i * p + r.lowerBound + j] = row[j] }
    }
    let eps = joint.defaultEps()
    let coarse = try LowRankSpectrumSolver.solve(G: g, n: n, p: p, metric: joint, eps: eps)
    let fine = try LowRankSpectrumSolver.solve(
      G: g, n: n, p: p, metric: joint, eps: eps.map { $0 / 10 })
    let dense = try DenseSpectrumSolver.solve(G: g, n: n, p: p, metric: joint, eps: eps)
    try #require(coarse.shiftRho.count == 1 && fine.shiftRho.count == 1)
    try #require(dense.shiftRho.count == 1)
    // It really is inside the data spectrum, not above it.
    let top = try #require(coarse.nonZeroRho.first)
    #expect(coarse.shiftRho[0] < top / 100)
    #expect(abs(fine.shiftRho[0] / coarse.shiftRho[0] - 10) < 0.2)
    #expect(abs(dense.shiftRho[0] / coarse.shiftRho[0] - 1) < 1e-8)
    #expect(coarse.nonZeroRho.count == n - 1)
    #expect(coarse.nonZeroRho.count(where: { $0 > coarse.shiftRho[0] }) == strongRank)
    #expect(SpectrumFixtures.worstRelative(coarse.nonZeroRho, dense.nonZeroRho) <= 1e-8)
  }

  /// When a module's gradients nearly sum to zero, its shift ρ is comparable to the data ρ
  /// at this ε and mixes with them: no shift is claimed, and `unresolvedShift` flags it.
  @Test func absorbedShiftIsFlagged() throws {
    let m = 40
    let n = 8
    let metric = ProximalMetric.softmaxKL(
      anchorLogits: SpectrumFixtures.normals(m, scale: 0.2, seed: 45))
    var g = SpectrumFixtures.gradients(n: n, p: m, seed: 46, rowOffset: 0)
    for i in 0..<n {
      let mean = (0..<m).reduce(0) { $0 + g[i * m + $1] } / Double(m)
      for j in 0..<m { g[i * m + j] -= 0.95 * mean }
    }
    let dense = try DenseSpectrumSolver.solve(G: g, n: n, p: m, metric: metric)
    let lowRank = try LowRankSpectrumSolver.solve(G: g, n: n, p: m, metric: metric)
    #expect(dense.shiftRho.isEmpty && lowRank.shiftRho.isEmpty)
    #expect(lowRank.unresolvedShift > 0.2)
    #expect(abs(dense.unresolvedShift - lowRank.unresolvedShift) < 1e-6)
    // With ε a hundred times smaller the shift stands apart again.
    let eps = metric.defaultEps() / 100
    let separated = try LowRankSpectrumSolver.solve(G: g, n: n, p: m, metric: metric, eps: eps)
    #expect(separated.shiftRho.count == 1)
    #expect(separated.unresolvedShift < 0.05)
  }

  /// With gradients summing exactly to zero there is no 1/ε eigenvalue at all: 1 is a ρ = 0
  /// direction and joins the zero cluster.
  @Test func zeroSumGradientsHaveNoShift() throws {
    let m = 30
    let n = 6
    let metric = ProximalMetric.softmaxKL(
      anchorLogits: SpectrumFixtures.normals(m, scale: 0.2, seed: 51))
    var g = SpectrumFixtures.gradients(n: n, p: m, seed: 52)
    for i in 0..<n {
      let mean = (0..<m).reduce(0) { $0 + g[i * m + $1] } / Double(m)
      for j in 0..<m { g[i * m + j] -= mean }
    }
    let dense = try DenseSpectrumSolver.solve(G: g, n: n, p: m, metric: metric)
    let lowRank = try LowRankSpectrumSolver.solve(G: g, n: n, p: m, metric: metric)
    #expect(dense.shiftRho.isEmpty && lowRank.shiftRho.isEmpty)
    #expect(dense.nonZeroRho.count == n && lowRank.nonZeroRho.count == n)
    #expect(dense.gaugeCount == m - n && lowRank.gaugeCount == m - n)
    #expect(SpectrumFixtures.worstRelative(lowRank.nonZeroRho, dense.nonZeroRho) <= 1e-8)
  }

  /// Joint over several softmax-KL modules: one shift per module.
  @Test func oneShiftPerSoftmaxModuleJointly() throws {
    let n = 12
    let joint = try JointProximalMetric(modules: [
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(16, scale: 0.3, seed: 61)),
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(24, scale: 0.3, seed: 62)),
      .identity(dimension: 10),
      .softmaxKL(anchorLogits: SpectrumFixtures.normals(20, scale: 0.3, seed: 63)),
    ])
    let p = joint.dimension
    let g = SpectrumFixtures.gradients(n: n, p: p, seed: 64)
    let dense = try DenseSpectrumSolver.solve(G: g, n: n, p: p, metric: joint)
    let lowRank = try LowRankSpectrumSolver.solve(G: g, n: n, p: p, metric: joint)
    #expect(dense.shiftRho.count == 3 && lowRank.shiftRho.count == 3)
    #expect(SpectrumFixtures.worstRelative(lowRank.shiftRho, dense.shiftRho) <= 1e-8)
    #expect(SpectrumFixtures.worstRelative(lowRank.nonZeroRho, dense.nonZeroRho) <= 1e-8)
    #expect(dense.eps == joint.defaultEps())
  }

  typealias SingleSolver = (
    [Double], Int, Int, ProximalMetric, Double?, Int, Double
  ) throws -> GeneralizedSpectrum
}
