/// The backward pass, the forward's layers in reverse (llm.c's `gpt2_backward`).
///
/// Backbone weight gradients are computed only for the tensors `ModelGradients` trains;
/// with a frozen backbone only the activation gradients flow, into the LoRA factors.
extension LlamaModel {
  /// Forward + backward on one batch. Returns the mean CE over target rows.
  ///
  /// Gradients are *added* into `grads` (zero them first). Without `perExample` the loss is
  /// the mean over target rows. With `perExample` ([batch, lora.count]) the loss of example n
  /// is the SUM of its rows' CE (−log p(target item | history)); row n of `perExample`
  /// receives that example's LoRA gradient, computed from this one batched backward by keeping
  /// per-example sums of the LoRA contributions (Docs/Design.md §3: g_B,n = s Σ_τ δ (A x)ᵀ,
  /// g_A,n = s Σ_τ (Bᵀδ) xᵀ), and `grads.lora` receives their sum.
  @discardableResult
  public func lossAndGradients(
    _ batch: TokenBatch, into grads: ModelGradients, perExample: FloatBuffer? = nil,
    dropoutSeed: UInt64 = 0
  ) throws -> Double {
    let rows = batch.targetRows
    guard !rows.isEmpty else { return 0 }
    try forward(batch, outputRows: rows, dropoutSeed: dropoutSeed)
    // Safe unwrap: `forward` on the line above creates the activations.
    let acts = activations!
    let s = ensureScratch()
    let c = config.hiddenSize, v = config.vocabSize, n = rows.count
    let packed = acts.rows, bt = packed.count
    if let pe = perExample {
      precondition(pe.count >= batch.batch * (loraLayout?.count ?? 0), "per-example buffer too small")
      pe.base.update(repeating: 0, count: batch.batch * (loraLayout?.count ?? 0))
    }

    var losses: [Double] = []
    let rowScale: Float = perExample == nil ? 1 / Float(n) : 1
    CrossEntropy.lossAndGradient(
      logits: acts.logits.base, targets: rows.map { batch.targets[Int($0)] }, vocab: v,
      temperature: ceTemperature, rowScale: rowScale, losses: &losses)

    // lm_head: dgathered = dlogits · H;  dH += dlogitsᵀ · gathered.
    if s.dGathered.count < n * c { s.dGathered = FloatBuffer(count: n * c) }
    BLAS.linearBackwardInput(
      dinp: s.dGathered.base, dout: acts.logits.base, weight: weights.pointer(layout.lmHead),
      rows: n, inF: c, outF: v, accumulate: false)
    if let gb = grads.backbone {
      BLAS.linearBackwardWeight(
        dweight: gb.pointer(layout.lmHead), dout: acts.logits.base, inp: acts.gathered.base,
        rows: n, inF: c, outF: v)
    }
    s.dNorm.base.update(repeating: 0, count: bt * c)
    for (i, row) in acts.outputRows.enumerated() {
      let dst = s.dNorm.pointer(Int(row) * c), src = s.dGathered.pointer(i * c)
      for j in 0..<c { dst[j] += src[j] }
    }
    s.dResidual.base.update(repeating: 0, count: bt * c)
    RMSNorm.backward(
      dinp: s.dResidual.base, dweight: fullBackbone(grads)?.pointer(layout.finalNorm),
      dout: s.dNorm.base, inp: acts.output.base, weight: weights.pointer(layout.finalNorm),
      rstd: acts.rstdF.base, rows: bt, c: c)

    let hidden = hiddenDropoutMasks
    for l in stride(from: config.numLayers - 1, through: 0, by: -1) {
      // Below layer 0 the gradient only feeds the embeddings: skip it when they are frozen.
      layerBackward(
        l, acts.layers[l], s, grads: grads, perExample: perExample, rows: packed,
        inputGradient: l > 0 || grads.backbone != nil, hidden: hidden)
    }

    if let gb = grads.backbone {
      // x₀ = m₀ ⊙ E[tokens]: the embedding rows receive m₀ ⊙ dx₀.
      hidden?.masked(s.dResidual, site: HiddenDropout.embeddingSite, into: s.dResidual, count: bt * c)
      for b in 0..<packed.batch {
        for t in 0..<packed.lengths[b] {
          let tok = Int(batch.tokens[b * packed.seqLen + t])
          let dst = gb.pointer(layout.embedding + tok * c), src = s.dResidual.pointer((packed.starts[b] + t) * c)
          for j in 0..<c { dst[j] += src[j] }
        }
      }
    }
    return losses.reduce(0, +) / Double(n)
  }

  /// The backbone gradient buffer when every backbone tensor trains, else nil.
  private func fullBackbone(_ grads: ModelGradients) -> FloatBuffer? {
    grads.backboneTraining == .all ? grads.backbone : nil
  }

  /// On entry s.dResidual holds d(loss)/d(layer output); on exit d(loss)/d(layer input), unless
  /// `inputGradient` is false: then the q, k, v input gradients and the first norm's backward
  /// are skipped (nothing below needs them) and s.dResidual is left as it is.
  private func layerBackward(
    _ l: Int, _ a: Activations.Layer, _ s: BackwardScratch, grads: ModelGradients,
    perExample: FloatBuffer?, rows: PackedRows, inputGradient: Bool, hidden: HiddenDropout?
  ) {
    let c = config.hiddenSize, inter = config.intermediateSize
    let bt = rows.count
    let lw = layout.layers[l]
    let gFull = fullBackbone(grads)

    // MLP block: out = mid + m ⊙ down(silu(gate(n₂)) ⊙ up(n₂)); down's output gradient is m ⊙ dout.
    var dMLP = s.dResidual
    if let hidden {
      hidden.masked(s.dResidual, site: HiddenDropout.mlpSite(layer: l), into: s.dMasked, count: bt * c)
      dMLP = s.dMasked
    }
    linearBackward(.down, layer: l, acts: a, s, dinp: s.dAct, accumulate: false, dout: dMLP.base,
                   inp: a.act, rows: rows, grads: grads, perExample: perExample)
    SwiGLU.backward(
      dgate: s.dGate.base, dup: s.dUp.base, dact: s.dAct.base, gate: a.gate.base, up: a.up.base,
      sigmoid: a.gateSigmoid.base, count: bt * inter)
    linearBackward(.gate, layer: l, acts: a, s, dinp: s.dNorm, accumulate: false, dout: s.dGate.base,
                   inp: a.norm2, rows: rows, grads: grads, perExample: perExample)
    linearBackward(.up, layer: l, acts: a, s, dinp: s.dNorm, accumulate: true, dout: s.dUp.base,
                   inp: a.norm2, rows: rows, grads: grads, perExample: perExample)
    RMSNorm.backward(
      dinp: s.dResidual.base, dweight: gFull?.pointer(lw.postAttentionNorm), dout: s.dNorm.base,
      inp: a.mid.base, weight: weights.pointer(lw.postAttentionNorm), rstd: a.rstd2.base, rows: bt, c: c)

    // Attention block: mid = input + m ⊙ o(attn(...)).
    var dAttention = s.dResidual
    if let hidden {
      hidden.masked(s.dResidual, site: HiddenDropout.attentionSite(layer: l), into: s.dMasked, count: bt * c)
      dAttention = s.dMasked
    }
    linearBackward(.o, layer: l, acts: a, s, dinp: s.dAttended, accumulate: false, dout: dAttention.base,
                   inp: a.attended, rows: rows, grads: grads, perExample: perExample)
    CausalAttention.backward(
      dq: s.dq.base, dk: s.dk.base, dv: s.dv.base, dout: s.dAttended.base, probs: a.probs.base,
      q: a.q.base, k: a.k.base, v: a.v.base, scratch: s.dProbs.base, rows: rows, headDim: config.headDim)
    rotary.applyBackward(s.dq.base, rows: rows)
    rotary.applyBackward(s.dk.base, rows: rows)
    linearBackward(.q, layer: l, acts: a, s, dinp: s.dNorm, accumulate: false, dout: s.dq.base,
                   inp: a.norm1, rows: rows, grads: grads, perExample: perExample,
                   inputGradient: inputGradient)
    linearBackward(.k, layer: l, acts: a, s, dinp: s.dNorm, accumulate: true, dout: s.dk.base,
                   inp: a.norm1, rows: rows, grads: grads, perExample: perExample,
                   inputGradient: inputGradient)
    linearBackward(.v, layer: l, acts: a, s, dinp: s.dNorm, accumulate: true, dout: s.dv.base,
                   inp: a.norm1, rows: rows, grads: grads, perExample: perExample,
                   inputGradient: inputGradient)
    guard inputGradient else { return }
    RMSNorm.backward(
      dinp: s.dResidual.base, dweight: gFull?.pointer(lw.inputNorm), dout: s.dNorm.base,
      inp: a.input.base, weight: weights.pointer(lw.inputNorm), rstd: a.rstd1.base, rows: bt, c: c)
  }

  /// Backward of y = x Wᵀ + s·(x_d Aᵀ) Bᵀ:
  /// dx (+)= dy W + mask ⊙ (s·dy B) A;  dW += dyᵀ x;  dB += s·dyᵀ (A x_d);  dA += (s·dy B)ᵀ x_d.
  private func linearBackward(
    _ kind: LinearKind, layer l: Int, acts a: Activations.Layer, _ s: BackwardScratch,
    dinp: FloatBuffer, accumulate: Bool, dout: UnsafeMutablePointer<Float>, inp: FloatBuffer,
    rows packed: PackedRows, grads: ModelGradients, perExample: FloatBuffer?, inputGradient: Bool = true
  ) {
    let rows = packed.count
    let inF = kind.inFeatures(config), outF = kind.outFeatures(config)
    // Safe unwrap: BackboneLayout gives every layer an offset for each of the seven LinearKind cases.
    let wOff = layout.layers[l].linear[kind]!
    // With the adapter folded (no dropout), dx = dy (W + s·B·A) is the whole input gradient.
    let adapted = loraLayout?.linears[l][kind] != nil
    let folded = forwardFolded && adapted ? foldedLinears : nil
    // Folded, dx = dy (W + s·B·A) and the adapter's gradients read the same rows of dy: the
    // adapter's region computes both (`adapterGradients`).
    let fused = fusesAdapterRegions && inputGradient && folded != nil && perExample == nil && grads.lora != nil
    if inputGradient && !fused {
      BLAS.linearBackwardInput(
        dinp: dinp.base, dout: dout, weight: (folded ?? weights).pointer(wOff), rows: rows, inF: inF, outF: outF,
        accumulate: accumulate)
    }
    if let g = fullBackbone(grads) {
      BLAS.linearBackwardWeight(dweight: g.pointer(wOff), dout: dout, inp: inp.base, rows: rows, inF: inF, outF: outF)
    }
    guard adapted else { return }
    if let folded, fused {
      // Times its own phases (linear and adapter).
      adapterBackward(
        kind, layer: l, acts: a, s, dinp: nil, dout: dout, inp: inp, rows: packed, grads: grads, perExample: nil,
        folded: true, inputGradient: (dinp.base, UnsafePointer(folded.pointer(wOff)), accumulate))
      return
    }
    StepPhaseClock.adapter {
      adapterBackward(
        kind, layer: l, acts: a, s, dinp: inputGradient ? dinp : nil, dout: dout, inp: inp, rows: packed,
        grads: grads, perExample: perExample, folded: folded != nil)
    }
  }
}
