import COpenBLAS

/// The three matmul shapes of a linear layer, in the row-major convention of llm.c:
/// `inp` is [rows, inF], `weight` is [outF, inF] (PyTorch's nn.Linear layout), `out` is [rows, outF].
public enum BLAS {
  /// Below this many multiply-adds a matmul runs on one core: splitting costs more than it saves.
  static let splitThreshold = 1 << 18

  /// out = inp · weightᵀ (+ out when `accumulate`). Large products are split by rows over the
  /// cores (the engine runs OpenBLAS single-threaded and parallelizes itself; see `configureThreads`).
  @inline(__always)
  public static func linearForward(
    out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    rows: Int, inF: Int, outF: Int, accumulate: Bool = false, alpha: Float = 1
  ) {
    StepPhaseClock.linear {
      Parallel.forChunks(rows, minChunk: rowChunk(rows: rows, inF: inF, outF: outF)) { r in
        linearForward(r, out: out, inp: inp, weight: weight, inF: inF, outF: outF, accumulate: accumulate, alpha: alpha)
      }
    }
  }

  /// The smallest row chunk a linear product of this size is split into (`rows`: not split).
  @inline(__always)
  static func rowChunk(rows: Int, inF: Int, outF: Int) -> Int {
    rows * inF * outF >= splitThreshold ? 32 : rows
  }

  /// `linearForward` on the rows `r` only: the call each of its chunks makes.
  @inline(__always)
  static func linearForward(
    _ r: Range<Int>, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    inF: Int, outF: Int, accumulate: Bool = false, alpha: Float = 1
  ) {
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r.count), Int32(outF), Int32(inF),
      alpha, inp + r.lowerBound * inF, Int32(inF), weight, Int32(inF), accumulate ? 1 : 0,
      out + r.lowerBound * outF, Int32(outF))
  }

  /// y = x·Wᵀ and ax = x·Aᵀ (A: [rank, inF]) over the same rows x. When both products split into
  /// the same row chunks (and `oneRegion`), each chunk runs both in one parallel region, the
  /// second while its rows of x are still in the core's cache; otherwise two `linearForward`
  /// calls. Either way every chunk makes the sgemm calls of two separate `linearForward` calls,
  /// so the bits are theirs.
  static func linearForwardWithAdapterInput(
    out: UnsafeMutablePointer<Float>, ax: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, adapterA: UnsafePointer<Float>, rows: Int, inF: Int, outF: Int, rank: Int,
    oneRegion: Bool = true
  ) {
    let chunk = rowChunk(rows: rows, inF: inF, outF: outF)
    let adapterChunk = rowChunk(rows: rows, inF: inF, outF: rank)
    guard oneRegion && Parallel.chunkCount(rows, minChunk: chunk) == Parallel.chunkCount(rows, minChunk: adapterChunk)
    else {
      linearForward(out: out, inp: inp, weight: weight, rows: rows, inF: inF, outF: outF)
      StepPhaseClock.adapter { linearForward(out: ax, inp: inp, weight: adapterA, rows: rows, inF: inF, outF: rank) }
      return
    }
    StepPhaseClock.linearAndAdapter {
      Parallel.forChunks(rows, minChunk: chunk) { r in
        StepPhaseClock.part(.linear) { linearForward(r, out: out, inp: inp, weight: weight, inF: inF, outF: outF) }
        StepPhaseClock.part(.adapter) { linearForward(r, out: ax, inp: inp, weight: adapterA, inF: inF, outF: rank) }
      }
    }
  }

  /// dinp (+)= dout · weight, split by rows.
  @inline(__always)
  public static func linearBackwardInput(
    dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    rows: Int, inF: Int, outF: Int, alpha: Float = 1, accumulate: Bool = true
  ) {
    StepPhaseClock.linear {
      Parallel.forChunks(rows, minChunk: rowChunk(rows: rows, inF: inF, outF: outF)) { r in
        linearBackwardInput(
          r, dinp: dinp, dout: dout, weight: weight, inF: inF, outF: outF, alpha: alpha, accumulate: accumulate)
      }
    }
  }

  /// `linearBackwardInput` on the rows `r` only: the call each of its chunks makes.
  @inline(__always)
  static func linearBackwardInput(
    _ r: Range<Int>, dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    inF: Int, outF: Int, alpha: Float = 1, accumulate: Bool = true
  ) {
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r.count), Int32(inF), Int32(outF),
      alpha, dout + r.lowerBound * outF, Int32(outF), weight, Int32(inF), accumulate ? 1 : 0,
      dinp + r.lowerBound * inF, Int32(inF))
  }

  /// dweight (+)= doutᵀ · inp, split by output features (each core owns rows of dweight), or by
  /// input features when there are too few outputs to share (a LoRA A factor has r of them).
  @inline(__always)
  public static func linearBackwardWeight(
    dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
    rows: Int, inF: Int, outF: Int, alpha: Float = 1, accumulate: Bool = true
  ) {
    let large = rows * inF * outF >= splitThreshold
    StepPhaseClock.linear {
      if large && outF < 8 * Parallel.workers {
        Parallel.forChunks(inF, minChunk: 16) { i in
          cblas_sgemm(
            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outF), Int32(i.count), Int32(rows),
            alpha, dout, Int32(outF), inp + i.lowerBound, Int32(inF), accumulate ? 1 : 0,
            dweight + i.lowerBound, Int32(inF))
        }
        return
      }
      Parallel.forChunks(outF, minChunk: large ? 8 : outF) { o in
        cblas_sgemm(
          CblasRowMajor, CblasTrans, CblasNoTrans, Int32(o.count), Int32(inF), Int32(rows),
          alpha, dout + o.lowerBound, Int32(outF), inp, Int32(inF), accumulate ? 1 : 0,
          dweight + o.lowerBound * inF, Int32(inF))
      }
    }
  }

  /// Runs OpenBLAS on one thread per call: the engine splits large products over the cores
  /// itself, so BLAS threads never spin against the engine's own parallel loops.
  public static func configureThreads() { openblas_set_num_threads(1) }

  /// Calls `configureThreads` once per process; every model does this on creation.
  public static func ensureConfigured() { _ = configured }
  private static let configured: Bool = {
    configureThreads()
    return true
  }()

  /// General strided sgemm: C[m,n] = alpha·op(A)·op(B) + beta·C, row-major.
  @inline(__always)
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// y = alpha·op(A)·x + beta·y with A [rows, cols] row-major (leading dimension lda).
  @inline(__always)
  public static func gemv(
    transpose: Bool, rows: Int, cols: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
  ) {
    guard rows > 0 else {
      // An empty product: y = beta·y.
      let n = transpose ? cols : rows
      for i in 0..<n { y[i] = beta == 0 ? 0 : beta * y[i] }
      return
    }
    cblas_sgemv(
      CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), alpha, a, Int32(lda),
      x, 1, beta, y, 1)
  }

  /// The OpenBLAS kernel in use (e.g. "Prescott", "SkylakeX"); benchmarks print it next to every figure.
  public static var kernelName: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }

  public static var threadCount: Int { Int(openblas_get_num_threads()) }

  public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
