import COpenBLAS
import Foundation

/// Item vectors from interactions alone (Docs/Design.md §4.4): the top eigenvectors of the
/// positive pointwise mutual information (PPMI) matrix of item co-occurrences, scaled by the
/// square roots of their eigenvalues, so that items used by the same people in the same stretch
/// of time lie close together.
///
/// The matrix is sparse and can have hundreds of thousands of rows, so the decomposition is
/// randomized (Halko, Martinsson & Tropp 2011): a seeded Gaussian sketch, a few power passes,
/// each re-orthonormalized through the eigendecomposition of its small Gram matrix, and
/// `LAPACKE_dsyevd` on the projected (d + 8) × (d + 8) matrix. Products of tall matrices are
/// dgemm; the sparse product is a loop over the stored entries.
enum CollaborativeEmbeddings {
  /// Items closer than this in a user's sequence co-occur.
  static let window = 5
  static let oversampling = 8
  static let powerPasses = 4

  /// A symmetric sparse matrix, rows in order (compressed sparse rows).
  struct SparseMatrix {
    let n: Int
    var rowStart: [Int]
    var columns: [Int32]
    var values: [Double]
  }

  /// `count × dimension` row-major vectors for items `0..<count`, from `sequences` of those
  /// items (each in time order).
  static func embed(sequences: [[Int32]], count: Int, dimension: Int, seed: UInt64) throws -> [Float] {
    guard count > 0 else { return [] }
    let matrix = ppmi(sequences: sequences, count: count)
    let rank = min(dimension + oversampling, count)
    var rng = SeededRNG(seed: seed)
    var sketch = [Double](repeating: 0, count: count * rank)
    for i in 0..<sketch.count { sketch[i] = rng.nextNormal() }
    var basis = multiply(matrix, sketch, columns: rank)
    for _ in 0..<powerPasses {
      basis = try orthonormalize(basis, rows: count, columns: rank)
      basis = multiply(matrix, basis, columns: rank)
    }
    basis = try orthonormalize(basis, rows: count, columns: rank)
    // B = Qᵀ M Q (rank × rank), then its eigenvectors lifted back through Q.
    let projected = multiply(matrix, basis, columns: rank)
    var small = [Double](repeating: 0, count: rank * rank)
    cblas_dgemm(
      CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rank), Int32(rank), Int32(count), 1, basis, Int32(rank),
      projected, Int32(rank), 0, &small, Int32(rank))
    for i in 0..<rank {
      for j in (i + 1)..<max(rank, i + 1) {
        let mean = (small[i * rank + j] + small[j * rank + i]) / 2
        small[i * rank + j] = mean
        small[j * rank + i] = mean
      }
    }
    let (values, vectors) = try LAPACK.symmetricEigen(small, n: rank)
    // The largest eigenvalues come last (ascending order).
    let kept = min(dimension, rank)
    var scaled = [Double](repeating: 0, count: rank * kept)
    for k in 0..<kept {
      let source = rank - 1 - k
      let scale = max(values[source], 0).squareRoot()
      for i in 0..<rank { scaled[i * kept + k] = vectors[i * rank + source] * scale }
    }
    var lifted = [Double](repeating: 0, count: count * kept)
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(kept), Int32(rank), 1, basis, Int32(rank),
      scaled, Int32(kept), 0, &lifted, Int32(kept))
    var out = [Float](repeating: 0, count: count * dimension)
    for i in 0..<count {
      for k in 0..<kept { out[i * dimension + k] = Float(lifted[i * kept + k]) }
    }
    return out
  }

  /// PPMI(i, j) = max(0, log(c_ij · D / (c_i · c_j))) over pairs at most `window` apart
  /// (c_i the row sums, D their total). Pairs are counted by sorting their keys, not in a hash map.
  static func ppmi(sequences: [[Int32]], count: Int) -> SparseMatrix {
    var keys: [UInt64] = []
    for sequence in sequences {
      for (p, a) in sequence.enumerated() {
        for q in (p + 1)..<min(sequence.count, p + 1 + window) {
          let b = sequence[q]
          guard a != b else { continue }
          keys.append(UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)))
          keys.append(UInt64(UInt32(b)) << 32 | UInt64(UInt32(a)))
        }
      }
    }
    keys.sort()
    var rows: [Int32] = []
    var columns: [Int32] = []
    var counts: [Double] = []
    var index = 0
    while index < keys.count {
      var end = index + 1
      while end < keys.count && keys[end] == keys[index] { end += 1 }
      rows.append(Int32(truncatingIfNeeded: keys[index] >> 32))
      columns.append(Int32(truncatingIfNeeded: keys[index] & 0xFFFF_FFFF))
      counts.append(Double(end - index))
      index = end
    }
    var rowSums = [Double](repeating: 0, count: count)
    for (row, value) in zip(rows, counts) { rowSums[Int(row)] += value }
    let total = rowSums.reduce(0, +)
    var matrix = SparseMatrix(n: count, rowStart: [Int](repeating: 0, count: count + 1), columns: [], values: [])
    for e in 0..<rows.count {
      let i = Int(rows[e])
      let j = Int(columns[e])
      let pmi = log(counts[e] * total / (rowSums[i] * rowSums[j]))
      guard pmi > 0 else { continue }
      matrix.columns.append(columns[e])
      matrix.values.append(pmi)
      matrix.rowStart[i + 1] += 1
    }
    for i in 0..<count { matrix.rowStart[i + 1] += matrix.rowStart[i] }
    return matrix
  }

  /// M · X for X `n × columns`, row-major.
  static func multiply(_ m: SparseMatrix, _ x: [Double], columns: Int) -> [Double] {
    var out = [Double](repeating: 0, count: m.n * columns)
    for i in 0..<m.n {
      for e in m.rowStart[i]..<m.rowStart[i + 1] {
        let j = Int(m.columns[e])
        let v = m.values[e]
        for c in 0..<columns { out[i * columns + c] += v * x[j * columns + c] }
      }
    }
    return out
  }

  /// An orthonormal basis of the columns of `y` (`rows × columns`): Y · U · S^{-1/2} from the
  /// eigendecomposition U S Uᵀ of YᵀY, twice for accuracy; directions with no weight become zero.
  static func orthonormalize(_ y: [Double], rows: Int, columns: Int) throws -> [Double] {
    var current = y
    for _ in 0..<2 {
      var gram = [Double](repeating: 0, count: columns * columns)
      cblas_dgemm(
        CblasRowMajor, CblasTrans, CblasNoTrans, Int32(columns), Int32(columns), Int32(rows), 1, current,
        Int32(columns), current, Int32(columns), 0, &gram, Int32(columns))
      let (values, vectors) = try LAPACK.symmetricEigen(gram, n: columns)
      let largest = values.last ?? 0
      var whitening = vectors
      for k in 0..<columns {
        let scale = values[k] > largest * 1e-12 && values[k] > 0 ? 1 / values[k].squareRoot() : 0
        for i in 0..<columns { whitening[i * columns + k] *= scale }
      }
      var next = [Double](repeating: 0, count: rows * columns)
      cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(columns), 1, current,
        Int32(columns), whitening, Int32(columns), 0, &next, Int32(columns))
      current = next
    }
    return current
  }
}
