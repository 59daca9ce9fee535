import Foundation

/// The stage's own optimizer run on its noisy quadratic model (Docs/Math.md §45): AdamW with
/// the stage's learning rate, warm-up and cosine schedule, weight decay, global-norm clipping and
/// step count, one lane per λ_eff in lockstep on the same batches (as a race runs its lanes),
/// each ending at the Δ_λ the λ curve reads its numbers off.
///
/// Why simulate rather than take the quadratic's minimizer (Corollary 2's w_k,
/// Docs/Math.md §25): a stage takes a few dozen to a few hundred AdamW steps, far from the
/// minimizer along the directions of small curvature, and AdamW moves each coordinate by about
/// the learning rate per step whatever its gradient's size — so how much of the move a penalty
/// removes depends on the step count, the schedule and the per-coordinate normalization, not
/// only on ρ_k/(ρ_k + λ_eff) (Docs/Math.md §31 measured 88 % kept where w says 50 % on the
/// synthetic data, 5 % on Video_Games).
struct SimulatedStage {
  let model: StageQuadraticModel
  let phase: PhaseConfig
  let totalSteps: Int
  let batchSize: Int
  /// The root of the simulated batch order.
  let seed: UInt64
  /// N, the sequences the stage's own plan draws its batches from (the probe holds n ≤ N).
  let trainingSequences: Int

  /// κ that makes a batch of the probe as noisy as a batch of the stage (Docs/Math.md §45). A
  /// batch of B drawn without replacement from a population of n has a mean whose variance is
  /// σ²/B · (n − B)/(n − 1); the stage draws from N. With n = 64 and B = 32 the probe's batches
  /// would carry half the stage's noise (N ≈ 400) unless their deviation from the probe's mean
  /// is scaled by κ = √[((N − B)/(N − 1)) / ((n − B)/(n − 1))].
  var noiseScale: Float {
    let n = Double(model.examples), b = Double(min(batchSize, model.examples)), big = Double(max(trainingSequences, model.examples))
    guard n > b, big > 1 else { return 1 }
    return Float((((big - b) / (big - 1)) / ((n - b) / (n - 1))).squareRoot())
  }

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
    let kappa = noiseScale
    // ḡ of the whole probe (per target token), the centre the batches' noise is scaled about.
    var probeMean = [Float](repeating: 0, count: p)
    let probeTokens = Float(max(model.exampleTokens.reduce(0, +), 1))
    model.exampleGradients.withUnsafeBufferPointer { g in
      for e in 0..<n {
        let row = g.baseAddress! + e * p
        for i in 0..<p { probeMean[i] += row[i] }
      }
    }
    for i in 0..<p { probeMean[i] /= probeTokens }

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
          probeMean.withUnsafeBufferPointer { mean in
            Parallel.forChunks(p, minChunk: 1 << 14) { range in
              for i in range { out[i] = 0 }
              for e in batch {
                let row = g.baseAddress! + e * p
                for i in range { out[i] += row[i] }
              }
              for i in range { out[i] = mean[i] + kappa * (out[i] * inverseTokens - mean[i]) }
            }
          }
        }
      }
      // ΣΔ for every lane: (1/r)·Cᵀ(C Δᵀ), two products of r × p by p × lanes, the lanes split
      // over the cores (OpenBLAS runs one thread per call).
      if r > 0 {
        model.curvature.withUnsafeBufferPointer { c in
          delta.withUnsafeBufferPointer { d in
            projected.withUnsafeMutableBufferPointer { x in
              curved.withUnsafeMutableBufferPointer { out in
                Parallel.forChunks(lanes, minChunk: 2) { chunk in
                  let width = chunk.count, first = chunk.lowerBound
                  BLAS.gemm(
                    transA: false, transB: true, m: r, n: width, k: p, alpha: 1, a: c.baseAddress!, lda: p,
                    b: d.baseAddress! + first * p, ldb: p, beta: 0, c: x.baseAddress! + first, ldc: lanes)
                  BLAS.gemm(
                    transA: true, transB: false, m: width, n: p, k: r, alpha: 1 / Float(r), a: x.baseAddress! + first,
                    lda: lanes, b: c.baseAddress!, ldb: p, beta: 0, c: out.baseAddress! + first * p, ldc: p)
                }
              }
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
                    // Lanes touch disjoint slices; each is one λ's AdamW step (Docs/Math.md §17–§19).
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
                            if a.count > 0 {
                              for i in range {
                                grad[i] += batchG[i] + lambda * (diag[i] * d[i] - a[i - range.lowerBound] * dot)
                              }
                            } else {
                              for i in range { grad[i] += batchG[i] + lambda * diag[i] * d[i] }
                            }
                          }
                        }
                        // Eight float partial sums (SIMD8); the norm only decides whether to clip.
                        var sums = SIMD8<Float>(repeating: 0)
                        var i = 0
                        while i + 8 <= p {
                          let x = Reductions.load(grad, i)
                          sums += x * x
                          i += 8
                        }
                        var squared = sums.sum()
                        while i < p {
                          squared += grad[i] * grad[i]
                          i += 1
                        }
                        let norm = Double(squared).squareRoot()
                        let clip: Float =
                          phase.gradientClip > 0 && norm > phase.gradientClip ? Float(phase.gradientClip / norm) : 1
                        let mm = mAll.baseAddress! + base, vv = vAll.baseAddress! + base, v0 = anchor.baseAddress!
                        // AdamW eight coordinates at a time, as AdamW.step does (Docs/Math.md §17).
                        i = 0
                        while i + 8 <= p {
                          let gi = Reductions.load(grad, i) * clip
                          let mi = b1 * Reductions.load(mm, i) + (1 - b1) * gi
                          let vi = b2 * Reductions.load(vv, i) + (1 - b2) * gi * gi
                          Reductions.store(mi, mm, i)
                          Reductions.store(vi, vv, i)
                          let update = (mi / c1) / ((vi / c2).squareRoot() + eps)
                          let di = Reductions.load(d, i)
                          // Decoupled weight decay on v = v_{t−1} + Δ (Docs/Math.md §17), not on Δ.
                          Reductions.store(di - lr * (update + decay * (Reductions.load(v0, i) + di)), d, i)
                          i += 8
                        }
                        while i < p {
                          let gi = grad[i] * clip
                          mm[i] = b1 * mm[i] + (1 - b1) * gi
                          vv[i] = b2 * vv[i] + (1 - b2) * gi * gi
                          let update = (mm[i] / c1) / ((vv[i] / c2).squareRoot() + eps)
                          d[i] -= lr * (update + decay * (v0[i] + d[i]))
                          i += 1
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
