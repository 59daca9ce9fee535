import Foundation

/// Hyperparameters of AdamW (decoupled weight decay, Loshchilov & Hutter).
public struct AdamWConfig: Codable, Equatable, Sendable {
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var epsilon: Float = 1e-8
  public var weightDecay: Float = 0.01
  public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }
}

/// AdamW over ranges of flat buffers (llm.c's `gpt2_update`: one loop over the parameters).
///
/// A group is (parameters, gradients, ranges): only the listed ranges train, so
/// "embeddings and lm_head" or "every LoRA factor" are just different range lists.
public final class AdamW: @unchecked Sendable {
  public struct Group {
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public let ranges: [Range<Int>]
    let m: FloatBuffer
    let v: FloatBuffer

    public init(parameters: FloatBuffer, gradients: FloatBuffer, ranges: [Range<Int>]? = nil) {
      self.parameters = parameters
      self.gradients = gradients
      self.ranges = ranges ?? [0..<parameters.count]
      m = FloatBuffer(count: parameters.count)
      v = FloatBuffer(count: parameters.count)
    }
  }

  public let config: AdamWConfig
  public private(set) var groups: [Group]
  public private(set) var stepCount = 0

  public init(config: AdamWConfig, groups: [Group]) {
    self.config = config
    self.groups = groups
  }

  /// The global L2 norm of the trainable gradients.
  public func gradientNorm() -> Double {
    var ss = 0.0
    for g in groups {
      for r in g.ranges { for i in r { let x = Double(g.gradients[i]); ss += x * x } }
    }
    return ss.squareRoot()
  }

  /// Scales the gradients so their global norm is at most `maxNorm`; returns the norm before.
  @discardableResult
  public func clipGradients(maxNorm: Double) -> Double {
    let norm = gradientNorm()
    guard maxNorm > 0, norm > maxNorm else { return norm }
    let s = Float(maxNorm / norm)
    for g in groups { for r in g.ranges { for i in r { g.gradients[i] *= s } } }
    return norm
  }

  /// One AdamW step with learning rate `lr`.
  public func step(learningRate lr: Float) {
    stepCount += 1
    let b1 = config.beta1, b2 = config.beta2
    let c1 = 1 - Foundation.pow(b1, Float(stepCount))
    let c2 = 1 - Foundation.pow(b2, Float(stepCount))
    let wd = config.weightDecay, eps = config.epsilon
    for g in groups {
      let p = g.parameters.base, d = g.gradients.base, m = g.m.base, v = g.v.base
      // Every element updates alone: the ranges split over the cores, eight lanes at a time with
      // the scalar's arithmetic in every lane (the same bits as one element after another).
      for r in g.ranges {
        Parallel.forChunks(r.count, minChunk: 1 << 15) { chunk in
          var i = r.lowerBound + chunk.lowerBound
          let end = r.lowerBound + chunk.upperBound
          while i + 8 <= end {
            let grad = Reductions.load(d, i)
            let mi = b1 * Reductions.load(m, i) + (1 - b1) * grad
            let vi = b2 * Reductions.load(v, i) + (1 - b2) * grad * grad
            let pi = Reductions.load(p, i)
            let mHat = mi / c1, vHat = vi / c2
            Reductions.store(mi, m, i)
            Reductions.store(vi, v, i)
            Reductions.store(pi - lr * (mHat / (vHat.squareRoot() + eps) + wd * pi), p, i)
            i += 8
          }
          while i < end {
            let grad = d[i]
            m[i] = b1 * m[i] + (1 - b1) * grad
            v[i] = b2 * v[i] + (1 - b2) * grad * grad
            let mHat = m[i] / c1, vHat = v[i] / c2
            p[i] -= lr * (mHat / (vHat.squareRoot() + eps) + wd * p[i])
            i += 1
          }
        }
      }
    }
  }
}
