/// The adapter's share of a linear layer's backward (Docs/Design.md §1, y = x Wᵀ + s·(x_d Aᵀ) Bᵀ):
/// d(Ax) = s·dy·B, dB += s·dyᵀ(Ax), dA += d(Ax)ᵀ x_d, per example for the spectrum's probe, and,
/// when the adapter was not folded into W, its part of the input gradient.
extension LlamaModel {
  /// The adapter's share of `linearBackward`: d(ax), dB, dA (per example too) and, unfolded, dx += mask ⊙ d(ax)·A
  /// (skipped when `dinp` is nil). `inputGradient` (folded, without `perExample`): the whole input gradient
  /// dx (+)= dy·weight as well, in the same region as dB and dA (`adapterGradients`).
  func adapterBackward(
    _ kind: LinearKind, layer l: Int, acts a: Activations.Layer, _ s: BackwardScratch,
    dinp: FloatBuffer?, dout: UnsafeMutablePointer<Float>, inp: FloatBuffer,
    rows packed: PackedRows, grads: ModelGradients, perExample: FloatBuffer?, folded: Bool,
    inputGradient: FoldedInputGradient? = nil
  ) {
    let rows = packed.count
    let inF = kind.inFeatures(config), outF = kind.outFeatures(config)
    guard let ll = loraLayout, let lora, let slot = ll.linears[l][kind] else { return }
    let r = ll.lora.rank, scale = ll.lora.scale
    // Safe unwrap: the LoRA slot exists (guard above), and Activations allocates loraAx for every adapted kind.
    let ax = a.loraAx[kind]!
    // The adapter's input: after dropout, unless this pass folded (then no mask was drawn).
    let x = folded ? inp : (a.loraInput[kind] ?? inp)
    if perExample == nil, let gl = grads.lora {
      adapterGradients(
        into: gl, slot: slot, dout: dout, ax: ax.base, x: x.base, s, rows: rows, inF: inF, outF: outF, rank: r,
        scale: scale, b: lora.pointer(slot.b), inputGradient: inputGradient)
    } else {
      // d(ax) = s · dy · B   [rows, r]  (B is [outF, r]: an input gradient through B)
      BLAS.linearBackwardInput(
        dinp: s.dAx.base, dout: dout, weight: lora.pointer(slot.b), rows: rows, inF: r, outF: outF, alpha: scale,
        accumulate: false)
      if let gl = grads.lora {
        BLAS.linearBackwardWeight(
          dweight: gl.pointer(slot.b), dout: dout, inp: ax.base, rows: rows, inF: r, outF: outF, alpha: scale)
        BLAS.linearBackwardWeight(
          dweight: gl.pointer(slot.a), dout: s.dAx.base, inp: x.base, rows: rows, inF: inF, outF: r)
      }
    }
    if let pe = perExample {
      // Each example owns its row of `pe`: the examples split over the cores.
      let stride = ll.count
      Parallel.forChunks(balancing: packed.lengths) { examples in
        for e in examples {
          let rowOff = packed.starts[e], t = packed.lengths[e]
          BLAS.linearBackwardWeight(
            dweight: pe.pointer(e * stride + slot.b), dout: dout + rowOff * outF, inp: ax.pointer(rowOff * r),
            rows: t, inF: r, outF: outF, alpha: scale)
          BLAS.linearBackwardWeight(
            dweight: pe.pointer(e * stride + slot.a), dout: s.dAx.pointer(rowOff * r),
            inp: x.pointer(rowOff * inF), rows: t, inF: inF, outF: r)
        }
      }
    }
    // dx += mask ⊙ (d(ax) · A), already in dx when folded.
    guard !folded, let dinp else { return }
    if let mask = a.loraMask[kind] {
      BLAS.linearBackwardInput(
        dinp: s.dLoRAInput.base, dout: s.dAx.base, weight: lora.pointer(slot.a), rows: rows, inF: inF,
        outF: r, accumulate: false)
      DropoutMask.addMasked(s.dLoRAInput, mask: mask, into: dinp, count: rows * inF)
    } else {
      BLAS.linearBackwardInput(
        dinp: dinp.base, dout: s.dAx.base, weight: lora.pointer(slot.a), rows: rows, inF: inF, outF: r)
    }
  }

  /// The folded weight W + s·B·A, where dx (+)= dy·weight goes and whether it adds to it.
  typealias FoldedInputGradient = (dinp: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, accumulate: Bool)

  /// d(ax) = s·dy·B, dB += s·dyᵀ(ax), dA += d(ax)ᵀx in one parallel region: each core takes a
  /// contiguous run of rows, forms d(ax) there and then its partial dB and dA from the rows it
  /// just touched (still in its cache); the partials are added in chunk order, so the sum is
  /// the same every run at a given core count. Three skinny products (r columns) are
  /// memory-bound, and one pass per core over dy replaces two over the whole batch.
  /// With `inputGradient`, each chunk first forms its rows of dx (+)= dy·weight, when that
  /// product splits into the same row chunks (else it runs on its own first): the sgemm calls
  /// of `BLAS.linearBackwardInput`, so the same bits, with dy's rows then still in cache.
  private func adapterGradients(
    into gl: FloatBuffer, slot: LoRALinearSlot, dout: UnsafePointer<Float>, ax: UnsafePointer<Float>,
    x: UnsafePointer<Float>, _ s: BackwardScratch, rows: Int, inF: Int, outF: Int, rank r: Int, scale: Float,
    b: UnsafePointer<Float>, inputGradient: FoldedInputGradient? = nil
  ) {
    let minChunk = BLAS.rowChunk(rows: rows, inF: r, outF: inF + outF)
    let chunks = Parallel.chunkCount(rows, minChunk: minChunk)
    var input = inputGradient
    if let dx = inputGradient, Parallel.chunkCount(rows, minChunk: BLAS.rowChunk(rows: rows, inF: inF, outF: outF)) != chunks {
      BLAS.linearBackwardInput(
        dinp: dx.dinp, dout: dout, weight: dx.weight, rows: rows, inF: inF, outF: outF, accumulate: dx.accumulate)
      input = nil
    }
    let partialSize = outF * r + r * inF
    if s.adapterPartials.count < chunks * partialSize { s.adapterPartials = FloatBuffer(count: chunks * partialSize) }
    let partials = s.adapterPartials, dAx = s.dAx
    let region = { (body: () -> Void) in
      input == nil ? StepPhaseClock.adapter(body) : StepPhaseClock.linearAndAdapter(body)
    }
    region {
      Parallel.forIndexedChunks(rows, minChunk: minChunk) { c, range in
        let lo = range.lowerBound, n = range.count
        if let dx = input {
          StepPhaseClock.part(.linear) {
            BLAS.linearBackwardInput(
              range, dinp: dx.dinp, dout: dout, weight: dx.weight, inF: inF, outF: outF, accumulate: dx.accumulate)
          }
        }
        let partB = partials.pointer(c * partialSize), partA = partB + outF * r
        StepPhaseClock.part(.adapter) {
          BLAS.gemm(
            transA: false, transB: false, m: n, n: r, k: outF, alpha: scale, a: dout + lo * outF, lda: outF,
            b: b, ldb: r, beta: 0, c: dAx.pointer(lo * r), ldc: r)
          BLAS.gemm(
            transA: true, transB: false, m: outF, n: r, k: n, alpha: scale, a: dout + lo * outF, lda: outF,
            b: ax + lo * r, ldb: r, beta: 0, c: partB, ldc: r)
          BLAS.gemm(
            transA: true, transB: false, m: r, n: inF, k: n, alpha: 1, a: dAx.pointer(lo * r), lda: r,
            b: x + lo * inF, ldb: inF, beta: 0, c: partA, ldc: inF)
        }
      }
    }
    let gB = gl.pointer(slot.b), gA = gl.pointer(slot.a)
    for c in 0..<chunks {
      let partB = partials.pointer(c * partialSize), partA = partB + outF * r
      for i in 0..<(outF * r) { gB[i] += partB[i] }
      for i in 0..<(r * inF) { gA[i] += partA[i] }
    }
  }
}
