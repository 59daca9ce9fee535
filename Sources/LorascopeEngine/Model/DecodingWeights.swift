/// The weights of a frozen model state laid out for decoding (Docs/Design.md §5): per layer the
/// q, k, v projections stacked into one [3C, C] matrix and gate, up into one [2I, C] matrix, and
/// every adapter folded in, W + s·B·A (Docs/Math.md §10 without dropout, §20's merge). Each linear
/// of a decoding step is then one GEMM instead of one backbone and two adapter products.
///
/// Folding is exact in real arithmetic; in floats it changes the result only by rounding
/// (x(W + sBA)ᵀ is summed in another order than xWᵀ + s(xAᵀ)Bᵀ). The training path never uses it:
/// its adapter gradients need A·x.
final class DecodingWeights {
  struct Layer {
    /// Rows 0..<C: q_proj, C..<2C: k_proj, 2C..<3C: v_proj (each [C, C], PyTorch layout).
    let qkv: FloatBuffer
    let o: FloatBuffer
    /// Rows 0..<I: gate_proj, I..<2I: up_proj.
    let gateUp: FloatBuffer
    let down: FloatBuffer
  }

  let layers: [Layer]

  /// Copies (and folds) the model's current weights; later changes to the model are not seen.
  init(model: LlamaModel) {
    let cfg = model.config
    let c = cfg.hiddenSize, inter = cfg.intermediateSize
    layers = (0..<cfg.numLayers).map { l in
      func stacked(_ kinds: [LinearKind], rows: Int) -> FloatBuffer {
        let out = FloatBuffer(count: kinds.count * rows * c)
        for (i, kind) in kinds.enumerated() {
          Self.fold(model, kind: kind, layer: l, into: out.pointer(i * rows * c))
        }
        return out
      }
      let down = FloatBuffer(count: c * inter)
      Self.fold(model, kind: .down, layer: l, into: down.base)
      return Layer(
        qkv: stacked([.q, .k, .v], rows: c), o: stacked([.o], rows: c),
        gateUp: stacked([.gate, .up], rows: inter), down: down)
    }
  }

  /// Writes W (+ s·B·A when the layer's `kind` is adapted) into `dest` [outF, inF].
  private static func fold(_ model: LlamaModel, kind: LinearKind, layer l: Int, into dest: UnsafeMutablePointer<Float>) {
    let cfg = model.config
    let inF = kind.inFeatures(cfg), outF = kind.outFeatures(cfg)
    // Every decoder layer has all seven linears (BackboneLayout builds them so).
    guard let offset = model.layout.layers[l].linear[kind] else {
      preconditionFailure("backbone layout has no \(kind.rawValue) in layer \(l)")
    }
    dest.update(from: model.weights.pointer(offset), count: outF * inF)
    guard let ll = model.loraLayout, let lora = model.lora, let slot = ll.linears[l][kind] else { return }
    BLAS.gemm(
      transA: false, transB: false, m: outF, n: inF, k: ll.lora.rank, alpha: ll.lora.scale,
      a: lora.pointer(slot.b), lda: ll.lora.rank, b: lora.pointer(slot.a), ldb: inF,
      beta: 1, c: dest, ldc: inF)
  }
}
