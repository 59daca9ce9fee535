/// The forward pass, layer by layer (Docs/Design.md §1):
/// x₀ = E[tokens];  h = x + o(attn(rope(q(n₁(x))), rope(k(n₁(x))), v(n₁(x))));
/// x' = h + down(silu(gate(n₂(h))) ⊙ up(n₂(h)));  logits = lm_head(norm(x_L)) at the output rows.
/// With hidden dropout (`HiddenDropout`) E[tokens], o(…) and down(…) are masked first.
extension LlamaModel {
  /// Runs the forward pass and computes logits only for `outputRows` (flat indices b·T + t):
  /// training needs the target rows, scoring needs the last row of each context. The logits
  /// are left in the activations ([outputRows.count, vocab]). Only the batch's real positions
  /// are computed (`PackedRows`) unless `padding` asks for every padded position too.
  func forward(_ batch: TokenBatch, outputRows: [Int32], dropoutSeed: UInt64 = 0, padding: Bool = false) throws {
    let rows = PackedRows(batch, heads: config.numHeads, packed: packsRows && !padding)
    try ensureWorkspace(rows: rows)
    // Safe unwrap: `ensureWorkspace` on the line above creates the activations.
    let acts = activations!
    let c = config.hiddenSize, bt = rows.count
    let w = weights

    // Token embedding of each real position.
    let x0 = acts.layers[0].input
    for b in 0..<rows.batch {
      for t in 0..<rows.lengths[b] {
        let tok = batch.tokens[b * rows.seqLen + t], tokIndex = Int(tok)
        guard tokIndex >= 0 && tokIndex < config.vocabSize else {
          throw LorascopeError.invalidConfiguration("token \(tok) outside the vocabulary of \(config.vocabSize)")
        }
        x0.pointer((rows.starts[b] + t) * c).update(from: w.pointer(layout.embedding + tokIndex * c), count: c)
      }
    }

    let hidden = prepareHiddenDropout()
    hidden?.apply(to: x0, site: HiddenDropout.embeddingSite, rows: rows, seed: dropoutSeed)

    forwardFolded = foldAdapter()
    for l in 0..<config.numLayers {
      let a = acts.layers[l]
      let out = l + 1 < config.numLayers ? acts.layers[l + 1].input : acts.output
      layerForward(l, a, into: out, rows: rows, dropoutSeed: dropoutSeed, hidden: hidden)
    }

    RMSNorm.forward(
      out: acts.finalNorm.base, rstd: acts.rstdF.base, inp: acts.output.base,
      weight: w.pointer(layout.finalNorm), rows: bt, c: c, eps: config.rmsNormEps)

    // lm_head on the requested rows only.
    let n = outputRows.count
    acts.ensureOutputCapacity(rows: n, hidden: c, vocab: config.vocabSize)
    acts.outputRows = rows.rows(ofFlat: outputRows)
    for (i, row) in acts.outputRows.enumerated() {
      acts.gathered.pointer(i * c).update(from: acts.finalNorm.pointer(Int(row) * c), count: c)
    }
    if n > 0 {
      BLAS.linearForward(
        out: acts.logits.base, inp: acts.gathered.base, weight: w.pointer(layout.lmHead),
        rows: n, inF: c, outF: config.vocabSize)
    }
  }

  /// The hidden-dropout masks for this pass, or nil when it applies none (recorded for the backward).
  private func prepareHiddenDropout() -> HiddenDropout? {
    guard dropoutEnabled && hiddenDropout > 0 else {
      hiddenDropoutMasks = nil
      return nil
    }
    if hiddenDropoutMasks?.probability != hiddenDropout {
      hiddenDropoutMasks = HiddenDropout(probability: hiddenDropout, layers: config.numLayers, hidden: config.hiddenSize)
    }
    return hiddenDropoutMasks
  }

  private func layerForward(
    _ l: Int, _ a: Activations.Layer, into out: FloatBuffer, rows: PackedRows, dropoutSeed: UInt64,
    hidden: HiddenDropout?
  ) {
    let c = config.hiddenSize, inter = config.intermediateSize
    let bt = rows.count
    let lw = layout.layers[l]
    let w = weights

    // Attention block.
    RMSNorm.forward(
      out: a.norm1.base, rstd: a.rstd1.base, inp: a.input.base, weight: w.pointer(lw.inputNorm),
      rows: bt, c: c, eps: config.rmsNormEps)
    linearForward(.q, layer: l, acts: a, out: a.q.base, inp: a.norm1, rows: rows, seed: dropoutSeed)
    linearForward(.k, layer: l, acts: a, out: a.k.base, inp: a.norm1, rows: rows, seed: dropoutSeed)
    linearForward(.v, layer: l, acts: a, out: a.v.base, inp: a.norm1, rows: rows, seed: dropoutSeed)
    rotary.apply(a.q.base, rows: rows)
    rotary.apply(a.k.base, rows: rows)
    CausalAttention.forward(
      out: a.attended.base, probs: a.probs.base, q: a.q.base, k: a.k.base, v: a.v.base,
      rows: rows, headDim: config.headDim)
    linearForward(.o, layer: l, acts: a, out: a.mid.base, inp: a.attended, rows: rows, seed: dropoutSeed)
    hidden?.apply(to: a.mid, site: HiddenDropout.attentionSite(layer: l), rows: rows, seed: dropoutSeed)
    FloatBuffer.add(a.input.base, into: a.mid.base, count: bt * c)

    // MLP block.
    RMSNorm.forward(
      out: a.norm2.base, rstd: a.rstd2.base, inp: a.mid.base, weight: w.pointer(lw.postAttentionNorm),
      rows: bt, c: c, eps: config.rmsNormEps)
    linearForward(.gate, layer: l, acts: a, out: a.gate.base, inp: a.norm2, rows: rows, seed: dropoutSeed)
    linearForward(.up, layer: l, acts: a, out: a.up.base, inp: a.norm2, rows: rows, seed: dropoutSeed)
    SwiGLU.forward(act: a.act.base, gate: a.gate.base, up: a.up.base, count: bt * inter, sigmoid: a.gateSigmoid.base)
    linearForward(.down, layer: l, acts: a, out: out.base, inp: a.act, rows: rows, seed: dropoutSeed)
    hidden?.apply(to: out, site: HiddenDropout.mlpSite(layer: l), rows: rows, seed: dropoutSeed)
    FloatBuffer.add(a.mid.base, into: out.base, count: bt * c)
  }

  /// y = x Wᵀ + s·(x_d Aᵀ) Bᵀ, with x_d the LoRA input after dropout (Docs/Design.md §1).
  private func linearForward(
    _ kind: LinearKind, layer l: Int, acts a: Activations.Layer, out: UnsafeMutablePointer<Float>,
    inp: FloatBuffer, rows packed: PackedRows, seed: UInt64
  ) {
    let rows = packed.count
    let inF = kind.inFeatures(config), outF = kind.outFeatures(config)
    // Safe unwrap: BackboneLayout gives every layer an offset for each of the seven LinearKind cases.
    let offset = layout.layers[l].linear[kind]!
    guard let ll = loraLayout, let lora, let slot = ll.linears[l][kind] else {
      BLAS.linearForward(out: out, inp: inp.base, weight: weights.pointer(offset), rows: rows, inF: inF, outF: outF)
      return
    }
    let r = ll.lora.rank
    if forwardFolded, let folded = foldedLinears {
      // y = x (W + s·B·A)ᵀ in one GEMM; A·x is still needed by the adapter's gradients.
      guard let ax = a.loraAx[kind] else {
        BLAS.linearForward(out: out, inp: inp.base, weight: folded.pointer(offset), rows: rows, inF: inF, outF: outF)
        return
      }
      BLAS.linearForwardWithAdapterInput(
        out: out, ax: ax.base, inp: inp.base, weight: folded.pointer(offset), adapterA: lora.pointer(slot.a),
        rows: rows, inF: inF, outF: outF, rank: r, oneRegion: fusesAdapterRegions)
      return
    }
    BLAS.linearForward(out: out, inp: inp.base, weight: weights.pointer(offset), rows: rows, inF: inF, outF: outF)
    var x = inp
    if let dropped = a.loraInput[kind], let mask = a.loraMask[kind] {
      if dropoutEnabled {
        // Safe unwrap: `kind` is a LinearKind and `allCases` lists every case.
        let kindIndex = LinearKind.allCases.firstIndex(of: kind)!
        DropoutMask.apply(
          input: inp, mask: mask, dropped: dropped, rows: packed, inFeatures: inF, probability: ll.lora.dropout,
          stream: SeedStream(root: seed).generator(.loraDropoutMask, l * 16 + kindIndex))
      } else {
        mask.base.update(repeating: 1, count: rows * inF)
        dropped.base.update(from: inp.base, count: rows * inF)
      }
      x = dropped
    }
    // Safe unwrap: the LoRA slot exists (guard above), and Activations allocates loraAx for every adapted kind.
    let ax = a.loraAx[kind]!
    StepPhaseClock.adapter {
      BLAS.linearForward(out: ax.base, inp: x.base, weight: lora.pointer(slot.a), rows: rows, inF: inF, outF: r)
      BLAS.linearForward(
        out: out, inp: ax.base, weight: lora.pointer(slot.b), rows: rows, inF: r, outF: outF,
        accumulate: true, alpha: ll.lora.scale)
    }
  }
}

extension LlamaModel {
  /// Fills `foldedLinears` with W + s·B·A for every adapted linear when that is exact for this
  /// pass (Docs/Math.md §10): the adapter sees the same input as W, i.e. no dropout mask is drawn.
  /// Then each adapted linear's forward and input gradient are one GEMM instead of three; the
  /// result changes only by float rounding, the same way at every run. Returns whether it folded.
  func foldAdapter() -> Bool {
    guard foldsAdapter, let ll = loraLayout, let lora else { return false }
    if ll.lora.dropout > 0 && dropoutEnabled { return false }
    let folded = foldedLinears ?? FloatBuffer(count: layout.count)
    foldedLinears = folded
    StepPhaseClock.adapter { fold(into: folded, ll, lora) }
    return true
  }

  /// The adapted linears are independent: they split over the cores.
  private func fold(into folded: FloatBuffer, _ ll: LoRALayout, _ lora: FloatBuffer) {
    var linears: [(offset: Int, slot: LoRALinearSlot)] = []
    for l in 0..<config.numLayers {
      for kind in LinearKind.allCases {
        guard let slot = ll.linears[l][kind], let offset = layout.layers[l].linear[kind] else { continue }
        linears.append((offset, slot))
      }
    }
    let weights = self.weights
    Parallel.forChunks(linears.count, minChunk: 1) { range in
      for (offset, slot) in linears[range] {
        folded.pointer(offset).update(from: weights.pointer(offset), count: slot.outFeatures * slot.inFeatures)
        BLAS.gemm(
          transA: false, transB: false, m: slot.outFeatures, n: slot.inFeatures, k: ll.lora.rank,
          alpha: ll.lora.scale, a: lora.pointer(slot.b), lda: ll.lora.rank, b: lora.pointer(slot.a),
          ldb: slot.inFeatures, beta: 1, c: folded.pointer(offset), ldc: slot.inFeatures)
      }
    }
  }
}

extension LlamaModel {
  /// Logits at every position, padding included, [batch·T, vocab] row-major (for tests and export checks).
  public func logits(_ batch: TokenBatch) throws -> [Float] {
    let rows = (0..<(batch.batch * batch.seqLen)).map { Int32($0) }
    try forward(batch, outputRows: rows, padding: true)
    // Safe unwrap: `forward` just ran, and it creates the activations (ensureWorkspace) before returning.
    return activations!.logits.slice(0, rows.count * config.vocabSize)
  }

  /// Mean cross-entropy over the target rows (with the model's temperature), no gradients.
  public func loss(_ batch: TokenBatch) throws -> Double {
    let rows = batch.targetRows
    guard !rows.isEmpty else { return 0 }
    try forward(batch, outputRows: rows)
    var losses: [Double] = []
    CrossEntropy.lossAndGradient(
      // Safe unwrap: `forward` just ran, and it creates the activations (ensureWorkspace) before returning.
      logits: activations!.logits.base, targets: rows.map { batch.targets[Int($0)] },
      vocab: config.vocabSize, temperature: ceTemperature, rowScale: 0, losses: &losses)
    return losses.reduce(0, +) / Double(losses.count)
  }

  /// Log-softmax over the vocabulary at the last real position of each context
  /// (contexts of any lengths; padded into one batch). Used by beam search.
  public func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
    guard !contexts.isEmpty else { return [] }
    let batch = TokenBatch(rows: contexts.map { TrainingPair(inputs: $0, targets: [Int32](repeating: -1, count: $0.count)) })
    let rows = contexts.enumerated().map { Int32($0.offset * batch.seqLen + $0.element.count - 1) }
    try forward(batch, outputRows: rows)
    let v = config.vocabSize
    // Safe unwrap: `forward` just ran, and it creates the activations (ensureWorkspace) before returning.
    let logits = activations!.logits
    CrossEntropy.logSoftmax(logits.base, rows: rows.count, vocab: v)
    return (0..<rows.count).map { logits.slice($0 * v, v) }
  }
}
