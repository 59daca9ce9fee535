import COpenBLAS

/// Residual k-means (RQ-KMeans) semantic IDs (Docs/Design.md §4.4): level 0 clusters the item
/// vectors, every further level clusters what the previous levels left unexplained
/// (vector − its centroids so far). Seeded k-means++ starts and Lloyd iterations; the distances
/// are one sgemm per pass (‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖², the ‖x‖² term dropped: it does not
/// change the nearest centroid). Deterministic for a seed: sums run in item order, ties pick
/// the lower centroid, and OpenBLAS runs on one thread (`BLAS.configureThreads`).
struct ResidualKMeans {
  /// Centroids per level (at most K).
  let codebookSize: Int
  let levels: Int
  /// Lloyd passes per level at most (a level stops earlier when no assignment changes).
  let iterations: Int
  let seed: UInt64

  /// The fitted codebooks: `codebooks[level]` is `count × dimension`, row-major.
  struct Codebooks {
    let dimension: Int
    var centroids: [[Float]]
    var counts: [Int]
  }

  /// Fits the codebooks on `vectors` (`n × dimension`, row-major) and returns them with the
  /// fitted rows' codes (`codes[row][level]`).
  func fit(_ vectors: [Float], dimension: Int) -> (codebooks: Codebooks, codes: [[Int]]) {
    let n = dimension > 0 ? vectors.count / dimension : 0
    var residual = vectors
    var codebooks = Codebooks(dimension: dimension, centroids: [], counts: [])
    var codes = [[Int]](repeating: [], count: n)
    var rng = SeededRNG(seed: seed)
    for _ in 0..<levels {
      let centroids = fitLevel(residual, n: n, dimension: dimension, rng: &rng)
      let assignment = Self.nearest(residual, n: n, centroids: centroids, dimension: dimension)
      subtract(&residual, centroids: centroids, assignment: assignment, dimension: dimension)
      for row in 0..<n { codes[row].append(assignment[row]) }
      codebooks.centroids.append(centroids)
      codebooks.counts.append(centroids.count / max(dimension, 1))
    }
    return (codebooks, codes)
  }

  /// The codes of `vectors` under fitted codebooks (items the codebooks were not fitted on).
  static func encode(_ vectors: [Float], dimension: Int, codebooks: Codebooks) -> [[Int]] {
    let n = dimension > 0 ? vectors.count / dimension : 0
    var residual = vectors
    var codes = [[Int]](repeating: [], count: n)
    for centroids in codebooks.centroids {
      let assignment = nearest(residual, n: n, centroids: centroids, dimension: dimension)
      for row in 0..<n {
        codes[row].append(assignment[row])
        for j in 0..<dimension { residual[row * dimension + j] -= centroids[assignment[row] * dimension + j] }
      }
    }
    return codes
  }

  private func subtract(_ residual: inout [Float], centroids: [Float], assignment: [Int], dimension: Int) {
    for (row, code) in assignment.enumerated() {
      for j in 0..<dimension { residual[row * dimension + j] -= centroids[code * dimension + j] }
    }
  }

  /// One level: k-means++ start, then Lloyd passes. Fewer than K centroids when the rows have
  /// fewer than K distinct points (a zero-distance row is never chosen twice).
  private func fitLevel(_ x: [Float], n: Int, dimension d: Int, rng: inout SeededRNG) -> [Float] {
    guard n > 0, d > 0 else { return [Float](repeating: 0, count: max(d, 1)) }
    // k-means++: the first centroid uniformly, each next one with probability ∝ squared distance.
    var centroids: [Float] = []
    centroids.reserveCapacity(codebookSize * d)
    let first = Int(rng.next() % UInt64(n))
    centroids.append(contentsOf: x[(first * d)..<((first + 1) * d)])
    var best = [Double](repeating: 0, count: n)
    for row in 0..<n { best[row] = squaredDistance(x, row, centroids, 0, d) }
    while centroids.count / d < codebookSize {
      let total = best.reduce(0, +)
      guard total > 0 else { break }
      var target = rng.nextUniform() * total
      var chosen = n - 1
      for row in 0..<n {
        target -= best[row]
        if target < 0 && best[row] > 0 {
          chosen = row
          break
        }
      }
      if best[chosen] == 0 { chosen = best.indices.max { best[$0] < best[$1] }! }
      let index = centroids.count / d
      centroids.append(contentsOf: x[(chosen * d)..<((chosen + 1) * d)])
      for row in 0..<n { best[row] = min(best[row], squaredDistance(x, row, centroids, index, d)) }
    }
    let k = centroids.count / d
    var assignment = [Int](repeating: -1, count: n)
    for _ in 0..<iterations {
      let next = Self.nearest(x, n: n, centroids: centroids, dimension: d)
      if next == assignment { break }
      assignment = next
      // Means in Double, in row order; an emptied centroid moves to the row farthest from its own.
      var sums = [Double](repeating: 0, count: k * d)
      var members = [Int](repeating: 0, count: k)
      for row in 0..<n {
        let c = assignment[row]
        members[c] += 1
        for j in 0..<d { sums[c * d + j] += Double(x[row * d + j]) }
      }
      var taken = Set<Int>()
      for c in 0..<k {
        if members[c] > 0 {
          for j in 0..<d { centroids[c * d + j] = Float(sums[c * d + j] / Double(members[c])) }
        } else {
          var farthest = -1
          var distance = -1.0
          for row in 0..<n where !taken.contains(row) {
            let e = squaredDistance(x, row, centroids, assignment[row], d)
            if e > distance {
              distance = e
              farthest = row
            }
          }
          if farthest >= 0 {
            taken.insert(farthest)
            for j in 0..<d { centroids[c * d + j] = x[farthest * d + j] }
          }
        }
      }
    }
    return centroids
  }

  private func squaredDistance(_ x: [Float], _ row: Int, _ c: [Float], _ index: Int, _ d: Int) -> Double {
    var sum = 0.0
    for j in 0..<d {
      let e = Double(x[row * d + j]) - Double(c[index * d + j])
      sum += e * e
    }
    return sum
  }

  /// The nearest centroid of every row: −2·X·Cᵀ by sgemm in row blocks, plus ‖c‖².
  static func nearest(_ x: [Float], n: Int, centroids: [Float], dimension d: Int) -> [Int] {
    let k = centroids.count / max(d, 1)
    guard n > 0, k > 0 else { return [Int](repeating: 0, count: n) }
    BLAS.ensureConfigured()
    var norms = [Float](repeating: 0, count: k)
    for c in 0..<k {
      var sum: Float = 0
      for j in 0..<d { sum += centroids[c * d + j] * centroids[c * d + j] }
      norms[c] = sum
    }
    var result = [Int](repeating: 0, count: n)
    let blockRows = max(1, (1 << 20) / max(k, 1))
    var products = [Float](repeating: 0, count: min(blockRows, n) * k)
    var start = 0
    while start < n {
      let rows = min(blockRows, n - start)
      x.withUnsafeBufferPointer { xs in
        centroids.withUnsafeBufferPointer { cs in
          products.withUnsafeMutableBufferPointer { out in
            cblas_sgemm(
              CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(k), Int32(d), -2,
              xs.baseAddress! + start * d, Int32(d), cs.baseAddress!, Int32(d), 0, out.baseAddress!, Int32(k))
          }
        }
      }
      for r in 0..<rows {
        var bestCode = 0
        var bestValue = Float.infinity
        for c in 0..<k {
          let value = products[r * k + c] + norms[c]
          if value < bestValue {
            bestValue = value
            bestCode = c
          }
        }
        result[start + r] = bestCode
      }
      start += rows
    }
    return result
  }
}
