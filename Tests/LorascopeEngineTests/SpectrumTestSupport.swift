import LorascopeEngine

/// Seeded random inputs and comparisons shared by the spectrum tests.
enum SpectrumFixtures {
  /// n × p standard-normal gradients plus `rowOffset` · (one normal per row), so that the
  /// per-example sums G·1 are far from zero, as in the numpy case of Docs/Design.md §D.
  static func gradients(n: Int, p: Int, seed: UInt64, rowOffset: Double = 0.5) -> [Double] {
    var rng = SeededRNG(seed: seed)
    var g = [Double](repeating: 0, count: n * p)
    for i in 0..<n {
      let shift = rowOffset * rng.nextNormal()
      for j in 0..<p { g[i * p + j] = rng.nextNormal() + shift }
    }
    return g
  }

  static func normals(_ count: Int, scale: Double = 1, seed: UInt64) -> [Double] {
    var rng = SeededRNG(seed: seed)
    return (0..<count).map { _ in scale * rng.nextNormal() }
  }

  /// Positive entries in [0.1, 2.1): an EWC-like diagonal Fisher.
  static func positives(_ count: Int, seed: UInt64) -> [Double] {
    var rng = SeededRNG(seed: seed)
    return (0..<count).map { _ in 0.1 + 2 * rng.nextUniform() }
  }

  /// max_k |a_k − b_k| / |b_k| over the common prefix.
  static func worstRelative(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) / abs($1) }.max() ?? 0
  }

  /// Dense row-major product of a p × p matrix and a vector.
  static func multiply(_ m: [Double], _ v: [Double]) -> [Double] {
    let p = v.count
    return (0..<p).map { i in (0..<p).reduce(0) { $0 + m[i * p + $1] * v[$1] } }
  }

  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
  }
}
