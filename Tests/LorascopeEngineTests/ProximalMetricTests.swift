import Foundation
import LorascopeEngine
import Testing

/// The metrics H_ε of Docs/Design.md §3 and their O(m) inverses.
struct ProximalMetricTests {
  private let metrics: [ProximalMetric] = [
    .softmaxKL(anchorLogits: SpectrumFixtures.normals(17, scale: 0.6, seed: 91)),
    .identity(dimension: 11),
    .diagonal(SpectrumFixtures.positives(13, seed: 92)),
  ]

  @Test func inverseUndoesDenseMetric() throws {
    for metric in metrics {
      let eps = metric.defaultEps() + 1e-4
      let v = SpectrumFixtures.normals(metric.dimension, seed: 93)
      let h = try metric.dense(eps: eps)
      let back = SpectrumFixtures.multiply(h, try metric.applyInverse(v, eps: eps))
      for i in v.indices { #expect(abs(back[i] - v[i]) < 1e-10) }
      let applied = try metric.apply(v, eps: eps)
      let viaDense = SpectrumFixtures.multiply(h, v)
      for i in v.indices { #expect(abs(applied[i] - viaDense[i]) < 1e-13) }
    }
  }

  @Test func jointInverseIsBlockwise() throws {
    let joint = try JointProximalMetric(modules: metrics)
    #expect(joint.moduleOffsets == [0, 17, 28, 41])
    #expect(joint.dimension == 41)
    let eps = joint.defaultEps()
    let v = SpectrumFixtures.normals(joint.dimension, seed: 94)
    let h = try joint.dense(eps: eps)
    let back = SpectrumFixtures.multiply(h, try joint.applyInverse(v, eps: eps))
    for i in v.indices { #expect(abs(back[i] - v[i]) < 1e-9 * max(1, abs(v[i]))) }
  }

  /// H_ε 1 = ε1 on a softmax block, so H_ε⁻¹1 = 1/ε exactly. At ε = 1e-14/m the naive
  /// 1 − pᵀD⁻¹p loses every digit; Σ pᵢ ε/(pᵢ+ε) keeps them.
  @Test func shermanMorrisonDenominatorHasNoCancellation() throws {
    let m = 64
    let metric = ProximalMetric.softmaxKL(anchorLogits: [Double](repeating: 0.25, count: m))
    let eps = 1e-14 / Double(m)
    let x = try metric.applyInverse([Double](repeating: 1, count: m), eps: eps)
    for value in x { #expect(abs(value * eps - 1) < 1e-10) }
  }

  @Test func defaultDampingFollowsModuleScale() {
    #expect(abs(metrics[0].defaultEps() - 1e-3 / 17) < 1e-18)
    #expect(metrics[1].defaultEps() == 0)
    guard case .diagonal(let f) = metrics[2] else { return }
    #expect(abs(metrics[2].defaultEps(epsRelative: 1e-2) - 1e-2 * f.reduce(0, +) / 13) < 1e-15)
  }

  @Test func softmaxIsStableForHugeLogits() {
    let p = ProximalMetric.softmax([1000, 999, -1000])
    #expect(p.allSatisfy { $0.isFinite })
    #expect(abs(p.reduce(0, +) - 1) < 1e-15)
    #expect(abs(p[0] / p[1] - exp(1.0)) < 1e-12)
  }
}
