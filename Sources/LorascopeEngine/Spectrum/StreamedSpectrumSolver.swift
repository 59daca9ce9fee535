import Foundation

/// ρ_k from gradient files against the softmax-KL metric of an anchor, streamed module by
/// module (issue 13): only one module's n × m_g block of G and its anchor are in memory at a
/// time, plus the n × n matrix M, so a 1B-parameter model's 5.6 M LoRA parameters need
/// O(n² + n · max m_g) memory. It feeds the same LowRankAccumulator and eigen-split as the
/// in-memory LowRankSpectrumSolver (Docs/Design.md §3), so both give the same spectrum.
public enum StreamedSpectrumSolver {
  /// - Parameters:
  ///   - selection: module indices of `gradients` to take jointly (one for a single module).
  ///   - anchorLogits: the anchor v_{t−1} of a module by name (the softmax-KL metric's logits).
  public static func solve(
    gradients: GradientFiles, selection: [Int], anchorLogits: (String) throws -> [Float],
    epsRelative: Double = ProximalMetric.defaultEpsRelative,
    zeroThreshold: Double = GeneralizedSpectrum.defaultZeroThreshold
  ) throws -> GeneralizedSpectrum {
    let n = gradients.rows
    guard n > 0 else { throw LorascopeError.usage("the gradient files hold no examples") }
    guard !selection.isEmpty else { throw LorascopeError.usage("no modules selected") }
    if let outside = selection.first(where: { !gradients.modules.indices.contains($0) }) {
      throw LorascopeError.usage("module index \(outside) is outside the \(gradients.modules.count) modules of the gradient files")
    }
    let widths = selection.map { gradients.offsets[$0 + 1] - gradients.offsets[$0] }
    // The sizes come from file headers: check what the solve will hold (M n × n twice for the
    // eigen-solve, one module block and its scaled copy) against this machine's memory before
    // allocating any of it, instead of dying in the allocator.
    try MemoryBudget.require(
      doubles: [(n, n), (n, n), (n, n), (n, widths.max() ?? 0), (n, widths.max() ?? 0)],
      for: "the streamed spectrum of \(n) examples (\(gradients.files[0].path))",
      remedy: "use fewer rows (examples) in the gradient files")
    var block = [Double](repeating: 0, count: n * (widths.max() ?? 0))
    var scratch: [UInt8] = []
    var accumulator = LowRankAccumulator(n: n)
    var eps: [Double] = []
    for (position, g) in selection.enumerated() {
      let name = gradients.modules[g]
      let logits = try anchorLogits(name).map(Double.init)
      guard logits.count == widths[position] else {
        throw LorascopeError.invalidFile(
          path: gradients.files[0].path,
          reason: "module \"\(name)\" has \(widths[position]) gradient columns, but its anchor has \(logits.count) entries")
      }
      let metric = ProximalMetric.softmaxKL(anchorLogits: logits)
      let e = metric.defaultEps(epsRelative: epsRelative)
      eps.append(e)
      let inverse = try MetricInverse(metric, eps: e, module: name)
      let width = widths[position]
      try block.withUnsafeMutableBufferPointer { b in
        let part = UnsafeMutableBufferPointer(rebasing: b[0..<(n * width)])
        try gradients.readBlock(g, into: part, scratch: &scratch)
        if let bad = part.firstIndex(where: { !$0.isFinite }) {
          throw LorascopeError.numerical("gradients of module \(name): entry \(bad / width), \(bad % width) is \(part[bad])")
        }
        accumulator.add(block: UnsafeBufferPointer(part), width: width, inverse: inverse, module: position)
      }
    }
    let p = widths.reduce(0, +)
    let (_, _, split) = try LowRankSpectrumSolver.decompose(
      accumulator, p: p, eps: eps, moduleSizes: widths, smallestEigenvalue: eps.min() ?? 0, zeroThreshold: zeroThreshold)
    return split.spectrum(
      directions: nil, eps: eps, method: .lowRank, sampleCount: n, parameterCount: p,
      implicitZeros: max(p - split.rho.count - split.shiftRho.count, 0))
  }
}
