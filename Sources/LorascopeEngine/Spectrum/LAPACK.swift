import CLAPACKE

/// Thin Float64 wrappers over the LAPACKE routines the spectrum needs (Docs/Design.md §3).
///
/// Every matrix is row-major and dense (`n × n` entries). Each wrapper checks the
/// sizes and that the input is finite before calling LAPACK, and turns a nonzero
/// `info` into `LorascopeError.lapack(routine:info:)`: LAPACK never gets to crash
/// the program on bad input.
enum LAPACK {
  /// Eigen-decomposition of a symmetric matrix `a` (`LAPACKE_dsyevd`).
  ///
  /// Only the upper triangle of `a` is read. Returns the eigenvalues in ascending
  /// order and the orthonormal eigenvectors as the columns of a row-major `n × n`
  /// matrix: eigenvector `k` is `vectors[i * n + k]`, `i = 0..<n`.
  public static func symmetricEigen(_ a: [Double], n: Int) throws -> (
    values: [Double], vectors: [Double]
  ) {
    try checkSquare(a, n: n, name: "matrix", routine: "LAPACKE_dsyevd")
    var vectors = a
    var values = [Double](repeating: 0, count: n)
    let info = vectors.withUnsafeMutableBufferPointer { z in
      values.withUnsafeMutableBufferPointer { w in
        LAPACKE_dsyevd(
          LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
          Int32(n), z.baseAddress, Int32(n), w.baseAddress)
      }
    }
    guard info == 0 else { throw LorascopeError.lapack(routine: "LAPACKE_dsyevd", info: info) }
    return (values, vectors)
  }

  /// Generalized symmetric-definite eigenproblem `A z = w B z` (`LAPACKE_dsygvd`, itype 1).
  ///
  /// `a` is symmetric, `b` symmetric positive definite; only their upper triangles are
  /// read. Returns the eigenvalues in ascending order and the eigenvectors as the columns
  /// of a row-major `n × n` matrix, normalized so that `Zᵀ B Z = I`. A `b` that is not
  /// positive definite gives `info > n`, reported as `LorascopeError.lapack`.
  public static func generalizedSymmetricEigen(a: [Double], b: [Double], n: Int) throws -> (
    values: [Double], vectors: [Double]
  ) {
    try checkSquare(a, n: n, name: "A", routine: "LAPACKE_dsygvd")
    try checkSquare(b, n: n, name: "B", routine: "LAPACKE_dsygvd")
    var vectors = a
    var metric = b
    var values = [Double](repeating: 0, count: n)
    let info = vectors.withUnsafeMutableBufferPointer { z in
      metric.withUnsafeMutableBufferPointer { bb in
        values.withUnsafeMutableBufferPointer { w in
          LAPACKE_dsygvd(
            LAPACK_ROW_MAJOR, 1, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
            Int32(n), z.baseAddress, Int32(n), bb.baseAddress, Int32(n),
            w.baseAddress)
        }
      }
    }
    guard info == 0 else { throw LorascopeError.lapack(routine: "LAPACKE_dsygvd", info: info) }
    return (values, vectors)
  }

  /// Solves `A X = B` for a symmetric positive definite `A` (`LAPACKE_dposv`).
  ///
  /// `a` is `n × n`, `b` is `n × rhsCount` row-major; returns `X` in the layout of `b`.
  /// A matrix that is not positive definite gives `info > 0`, reported as
  /// `LorascopeError.lapack`.
  public static func solvePositiveDefinite(a: [Double], b: [Double], n: Int, rhsCount: Int = 1)
    throws -> [Double]
  {
    try checkSquare(a, n: n, name: "A", routine: "LAPACKE_dposv")
    guard rhsCount > 0, b.count == n * rhsCount else {
      throw LorascopeError.invalidConfiguration(
        "LAPACKE_dposv: right-hand side has \(b.count) entries, expected \(n) × \(rhsCount)")
    }
    guard b.allSatisfy(\.isFinite) else {
      throw LorascopeError.numerical("LAPACKE_dposv: the right-hand side has a non-finite entry")
    }
    var factor = a
    var solution = b
    let info = factor.withUnsafeMutableBufferPointer { aa in
      solution.withUnsafeMutableBufferPointer { x in
        LAPACKE_dposv(
          LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), Int32(rhsCount),
          aa.baseAddress, Int32(n), x.baseAddress, Int32(rhsCount))
      }
    }
    guard info == 0 else { throw LorascopeError.lapack(routine: "LAPACKE_dposv", info: info) }
    return solution
  }

  /// Rejects a wrong size or a non-finite entry before LAPACK sees the matrix
  /// (a NaN can make the eigen-solvers loop or return garbage with `info == 0`).
  static func checkSquare(_ m: [Double], n: Int, name: String, routine: String) throws {
    guard n > 0, n <= Int(Int32.max), m.count == n * n else {
      throw LorascopeError.invalidConfiguration(
        "\(routine): \(name) has \(m.count) entries, expected \(n) × \(n)")
    }
    if let bad = m.firstIndex(where: { !$0.isFinite }) {
      throw LorascopeError.numerical(
        "\(routine): \(name) entry (\(bad / n), \(bad % n)) is \(m[bad])")
    }
  }
}
