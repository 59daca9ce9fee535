import Foundation
import LorascopeTUI

@testable import LorascopeEngine

/// A run as the screen sees it, without an engine: 4 layers × 7 linears × A/B
/// = 56 modules, a peso run on 5 blocks, halfway through stage 2.
enum DashboardFixture {
  static let kinds = ["q", "k", "v", "o", "gate", "up", "down"]

  static func modules(layers: Int = 4) -> [ModuleInfo] {
    (0..<layers).flatMap { layer in
      kinds.flatMap { kind in
        [true, false].map { isA in
          let factor = isA ? "A" : "B"
          return ModuleInfo(
            name: "layers.\(layer).x.\(kind)_proj.lora_\(factor)", shortName: "L\(layer) \(kind).\(factor)",
            layer: layer, kind: kind, isA: isA)
        }
      }
    }
  }

  static func run(method: ContinualMethod = .peso) -> RunSummary {
    RunSummary(
      dataName: "synthetic", blocks: 5, method: method, adaptedLinears: 28, modules: modules(), kernel: "Haswell",
      modelText: "4 layers · d 128", runDirectory: "/tmp/run")
  }

  static func ranking(_ base: Double) -> RankingMetrics {
    RankingMetrics(hit5: base * 2, hit10: base * 3, ndcg5: base, ndcg10: base * 1.4, mrr: base * 0.9, count: 100)
  }

  /// A snapshot with everything filled in; `steps` adapter steps of history.
  static func snapshot(method: ContinualMethod = .peso, steps: Int = 300) -> DashboardSnapshot {
    var s = DashboardSnapshot(run: run(method: method), strength: try! ProximalStrength(lambda: 2, adaptedLinears: 28))
    s.stage = 2
    s.phase = PhaseProgress(stage: 2, phase: .adapter, step: 17, totalSteps: 39)
    s.stepsPerSecond = 41.25
    for step in 0..<72 { s.backboneLoss.append(ce: 4 - Double(step) * 0.03, penalty: 0) }
    for step in 0..<steps {
      let t = Double(step % 40)
      s.adapterLoss.append(ce: 1.5 - 0.004 * t, penalty: 1e-5 * t)
    }
    s.modulePenalty = (0..<56).map { 1e-6 * Double($0 + 1) }
    s.stages = (0..<2).map { t in
      StageMetrics(
        stage: t, own: ranking(0.05 - 0.01 * Double(t)),
        perBlock: (0...t).map { ranking(0.05 - 0.005 * Double($0)) }, validationCE: 1.3, trainSteps: 36,
        trainSeconds: 2, evaluationSeconds: 1, finalCE: 1.2, finalPenalty: 1e-4)
    }
    s.matrix = [[0.05, nil, nil, nil, nil], [0.045, 0.04, nil, nil, nil]]
    s.spectrum = SpectrumPanelState(
      status: .ready,
      result: SpectrumSummary(
        label: "layers.0.x.q_proj.lora_A", fisher: .empirical, metricKind: "softmaxKL",
        rho: (0..<100).map { 10 * exp(-Double($0) / 10) }, shiftRho: [250], gaugeCount: 896, eps: [1e-6],
        unresolvedShift: 0, probeExamples: 128, stage: 2, step: 0, seconds: 0.2))
    s.activity = .running
    s.status = "stage 2: adapter, 39 steps"
    return s
  }
}
