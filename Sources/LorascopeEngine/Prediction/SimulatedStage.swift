import Foundation

/// The stage's own optimizer run on its noisy quadratic model (Docs/Math.md §45): AdamW with the
/// stage's learning rate, warm-up and cosine schedule, weight decay, global-norm clipping and
/// step count, one lane per λ_eff in lockstep on the same batches (as a race runs its lanes),
/// each ending at the Δ_λ the λ curve reads its numbers off.
///
/// Why simulate rather than take the quadratic's minimizer (Corollary 2's w_k, §25): a stage
/// takes a few dozen to a few hundred AdamW steps, far from the minimizer along the directions
/// of small curvature, and AdamW moves each coordinate by about the learning rate per step
/// whatever its gradient's size — so how much of the move a penalty removes depends on the
/// step count, the schedule and the per-coordinate normalization, not only on ρ_k/(ρ_k + λ_eff)
/// (§31 measured 88 % kept where w says 50 % on the synthetic data, 5 % on Video_Games).
struct SimulatedStage {
  let model: StageQuadraticModel
  let phase: PhaseConfig
  let totalSteps: Int
  let batchSize: Int
  /// The root of the simulated batch order.
  let seed: UInt64

  /// Δ at the end of the stage for every λ_eff, in order (each p entries).
  func run(lambdaEffective lambdas: [Double]) -> [[Float]] {
    let p = model.parameters, lanes = lambdas.count, n = model.examples
    guard lanes > 0 else { return [] }
    BLAS.ensureConfigured()
    let schedule = LearningRateSchedule(
      peak: phase.learningRate, warmupSteps: Int(Float(totalSteps) * phase.warmupFraction), totalSteps: totalSteps)
    let adam = AdamWConfig(weightDecay: phase.weightDecay)
    // H = diag(d) − a aᵀ per module, prepared once (ε = 0: the penalty's own metric).
    let factors = model.metric.modules.map { $0.productFactors(eps: 0) }
    let diagonal = factors.flatMap { $0.diagonal.map(Float.init) }
    let outer: [[Float]] = factors.map { $0.outer.map(Float.init) }
    let ranges = model.metric.modules.indices.map { model.metric.range(of: $0) }

    var delta = [Float](repeating: 0, count: lanes * p)
    var m = [Float](repeating: 0, count: lanes * p)
    var v = [Float](repeating: 0, count: lanes * p)
    var curved = [Float](repeating: 0, count: lanes * p)
    var projected = [Float](repeating: 0, count: model.curvatureRows * lanes)
    var batchGradient = [Float](repeating: 0, count: p)
    var order: [Int] = []
    var cursor = 0, epoch = 0
    let r = model.curvatureRows

    for step in 0..<totalSteps {
      // The next batch of probe sequences: a fresh seeded permutation per simulated epoch, as
      // the stage's plan visits its sequences once per epoch in a shuffled order.
      if cursor + min(batchSize, n) > order.count {
        var rng = SeedStream(root: seed).generator(.simulatedBatchOrder, epoch)
        order = Array(0..<n)
        order.shuffle(using: &rng)
        cursor = 0
        epoch += 1
      }
      let batch = order[cursor..<(cursor + min(batchSize, n))]
      cursor += batch.count
      let tokens = batch.reduce(0) { $0 + model.exampleTokens[$1] }
      let inverseTokens = 1 / Float(max(tokens, 1))
      model.exampleGradients.withUnsafeBufferPointer { g in
        batchGradient.withUnsafeMutableBufferPointer { out in
          for i in 0..<p { out[i] = 0 }
          for e in batch {
            let row = g.baseAddress! + e * p
            for i in 0..<p { out[i] += row[i] }
          }
          for i in 0..<p { out[i] *= inverseTokens }
        }
      }
      // ΣΔ for every lane at once: (1/r)·Cᵀ(C Δᵀ), two products of r × p by p × lanes.
      if r > 0 {
        model.curvature.withUnsafeBufferPointer { c in
          delta.withUnsafeBufferPointer { d in
            projected.withUnsafeMutableBufferPointer { x in
              BLAS.gemm(
                transA: false, transB: true, m: r, n: lanes, k: p, alpha: 1, a: c.baseAddress!, lda: p,
                b: d.baseAddress!, ldb: p, beta: 0, c: x.baseAddress!, ldc: lanes)
            }
          }
          projected.withUnsafeBufferPointer { x in
            curved.withUnsafeMutableBufferPointer { out in
              BLAS.gemm(
                transA: true, transB: false, m: lanes, n: p, k: r, alpha: 1 / Float(r), a: x.baseAddress!, lda: lanes,
                b: c.baseAddress!, ldb: p, beta: 0, c: out.baseAddress!, ldc: p)
            }
          }
        }
      } else {
        for i in curved.indices { curved[i] = 0 }
      }
      let lr = schedule.rate(at: step)
      let c1 = 1 - Foundation.pow(adam.beta1, Float(step + 1))
      let c2 = 1 - Foundation.pow(adam.beta2, Float(step + 1))
      let b1 = adam.beta1, b2 = adam.beta2, eps = adam.epsilon, decay = adam.weightDecay
      delta.withUnsafeMutableBufferPointer { dAll in
        m.withUnsafeMutableBufferPointer { mAll in
          v.withUnsafeMutableBufferPointer { vAll in
            curved.withUnsafeMutableBufferPointer { gAll in
              diagonal.withUnsafeBufferPointer { diag in
                batchGradient.withUnsafeBufferPointer { batchG in
                  model.anchor.withUnsafeBufferPointer { anchor in
                    // Lanes touch disjoint slices; each is one λ's AdamW step (§17–§19).
                    Parallel.forChunks(lanes, minChunk: 1) { chunk in
                      for l in chunk {
                        let base = l * p
                        let lambda = Float(lambdas[l])
                        let d = dAll.baseAddress! + base, grad = gAll.baseAddress! + base
                        // grad = batch gradient + ΣΔ + λ_eff HΔ, H = diag(d) − a aᵀ per module.
                        for (g, range) in ranges.enumerated() {
                          outer[g].withUnsafeBufferPointer { a in
                            var dot: Float = 0
                            if a.count > 0 {
                              for j in 0..<a.count { dot += a[j] * d[range.lowerBound + j] }
                            }
                            for i in range {
                              let h = diag[i] * d[i] - (a.count > 0 ? a[i - range.lowerBound] * dot : 0)
                              grad[i] += batchG[i] + lambda * h
                            }
                          }
                        }
                        // Four float partial sums vectorize; the norm only decides whether to clip.
                        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                        var i = 0
                        while i + 4 <= p {
                          s0 += grad[i] * grad[i]
                          s1 += grad[i + 1] * grad[i + 1]
                          s2 += grad[i + 2] * grad[i + 2]
                          s3 += grad[i + 3] * grad[i + 3]
                          i += 4
                        }
                        while i < p {
                          s0 += grad[i] * grad[i]
                          i += 1
                        }
                        let norm = Double((s0 + s1) + (s2 + s3)).squareRoot()
                        let clip: Float =
                          phase.gradientClip > 0 && norm > phase.gradientClip ? Float(phase.gradientClip / norm) : 1
                        let mm = mAll.baseAddress! + base, vv = vAll.baseAddress! + base
                        for i in 0..<p {
                          let gi = grad[i] * clip
                          let mi = b1 * mm[i] + (1 - b1) * gi
                          let vi = b2 * vv[i] + (1 - b2) * gi * gi
                          mm[i] = mi
                          vv[i] = vi
                          let update = (mi / c1) / ((vi / c2).squareRoot() + eps)
                          // Decoupled weight decay on v = v_{t−1} + Δ (§17), not on Δ.
                          d[i] -= lr * (update + decay * (anchor[i] + d[i]))
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return (0..<lanes).map { Array(delta[($0 * p)..<(($0 + 1) * p)]) }
  }
}
