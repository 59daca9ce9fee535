import Dispatch

/// Splits element-wise work over the machine's cores (the BLAS calls parallelize themselves;
/// this covers the loops between them: norms, activations, softmax, attention heads).
public enum Parallel {
  /// Worker count: the active processors, at most 8.
  public static let workers = max(1, min(ProcessInfoCores.count, 8))

  /// Runs `body` on contiguous chunks of 0..<count, in parallel when the work is large enough.
  @inline(__always)
  public static func forChunks(_ count: Int, minChunk: Int = 64, _ body: (Range<Int>) -> Void) {
    forIndexedChunks(count, minChunk: minChunk) { _, range in body(range) }
  }

  /// How many chunks `forIndexedChunks(count, minChunk:)` makes (at least 1).
  @inline(__always)
  public static func chunkCount(_ count: Int, minChunk: Int = 64) -> Int {
    max(1, min(workers, count / max(minChunk, 1)))
  }

  /// `forChunks` that also passes each chunk's index in 0..<chunkCount(count, minChunk:), for
  /// per-chunk partial results that the caller then sums in index order (the same order every run).
  @inline(__always)
  public static func forIndexedChunks(_ count: Int, minChunk: Int = 64, _ body: (Int, Range<Int>) -> Void) {
    let chunks = chunkCount(count, minChunk: minChunk)
    if chunks <= 1 {
      body(0, 0..<count)
      return
    }
    if isInline {
      // The same chunks, one after another: results do not depend on whether the cores split them.
      for c in 0..<chunks { body(c, chunk(c, of: chunks, count: count)) }
      return
    }
    // The chunks touch disjoint ranges of the caller's buffers, so sharing `body` is safe.
    withoutActuallyEscaping(body) { body in
      nonisolated(unsafe) let work = body
      DispatchQueue.concurrentPerform(iterations: chunks) { c in work(c, chunk(c, of: chunks, count: count)) }
    }
  }

  /// Chunk c of 0..<count cut into `chunks` contiguous, nearly equal ranges.
  @inline(__always)
  static func chunk(_ c: Int, of chunks: Int, count: Int) -> Range<Int> {
    (count * c / chunks)..<(count * (c + 1) / chunks)
  }
}

extension Parallel {
  /// Runs `body` with every `forChunks` / `forIndexedChunks` on the calling thread only, chunk
  /// after chunk (the same chunks as in parallel, so the same results). For work that is already
  /// spread over the cores at a coarser grain, such as one beam-search mini-batch per core: there
  /// the fine-grained splits would only wait on each other.
  public static func inline<T>(_ body: () throws -> T) rethrows -> T {
    let previous = pthread_getspecific(inlineKey)
    pthread_setspecific(inlineKey, UnsafeRawPointer(bitPattern: 1))
    defer { pthread_setspecific(inlineKey, previous) }
    return try body()
  }

  /// Whether the calling thread is inside `inline`.
  public static var isInline: Bool { pthread_getspecific(inlineKey) != nil }

  private static let inlineKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()
}

/// The number of active processors, read once.
enum ProcessInfoCores {
  static let count: Int = {
    #if canImport(Glibc)
      return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
      return 1
    #endif
  }()
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
