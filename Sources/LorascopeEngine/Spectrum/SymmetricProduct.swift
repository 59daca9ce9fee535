import COpenBLAS

/// The Gram products the spectrum solvers form with `cblas_dsyrk` (Docs/Math.md §26): dsyrk
/// fills only the upper triangle, so every caller also mirrors it. One helper does both, so
/// the triangle convention cannot differ between the dense, low-rank and ε-free paths.
enum SymmetricProduct {
  /// Which product of the row-major `rows × columns` matrix X to form.
  enum Side {
    /// X Xᵀ (rows × rows): one entry per pair of rows (examples).
    case rows
    /// Xᵀ X (columns × columns): one entry per pair of columns (parameters).
    case columns
  }

  /// C ← α·(X Xᵀ or XᵀX) + β·C on C's upper triangle (`cblas_dsyrk`); C is N × N row-major
  /// with N = rows for `.rows` and columns for `.columns`. Call `mirrorUpper` when done.
  static func accumulateUpper(
    _ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int, side: Side, alpha: Double, beta: Double,
    into c: UnsafeMutableBufferPointer<Double>
  ) {
    let size = side == .rows ? rows : columns
    let depth = side == .rows ? columns : rows
    cblas_dsyrk(
      CblasRowMajor, CblasUpper, side == .rows ? CblasNoTrans : CblasTrans, Int32(size), Int32(depth), alpha,
      x.baseAddress, Int32(columns), beta, c.baseAddress, Int32(size))
  }

  /// Copies the upper triangle of the N × N row-major C into its lower triangle.
  static func mirrorUpper(_ c: inout [Double], size n: Int) {
    c.withUnsafeMutableBufferPointer { m in
      for i in 0..<n {
        for j in 0..<i { m[i * n + j] = m[j * n + i] }
      }
    }
  }

  /// α·(X Xᵀ or XᵀX) as a full symmetric matrix.
  static func gram(_ x: [Double], rows: Int, columns: Int, side: Side, alpha: Double) -> [Double] {
    let n = side == .rows ? rows : columns
    var c = [Double](repeating: 0, count: n * n)
    x.withUnsafeBufferPointer { xs in
      c.withUnsafeMutableBufferPointer { cs in
        accumulateUpper(xs, rows: rows, columns: columns, side: side, alpha: alpha, beta: 0, into: cs)
      }
    }
    mirrorUpper(&c, size: n)
    return c
  }
}
