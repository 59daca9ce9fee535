/// One LoRA matrix — an A or a B of one adapted linear. Docs/Design.md §1 calls each of them
/// a *module* g: the PESO penalty, the spectrum and the screen work per module.
public struct LoRAModule: Sendable, Equatable {
  public enum Factor: String, Sendable { case a = "lora_A", b = "lora_B" }
  public let layer: Int
  public let kind: LinearKind
  public let factor: Factor
  public let offset: Int
  public let rows: Int
  public let cols: Int
  public var count: Int { rows * cols }

  /// PEFT-style name, e.g. `layers.0.self_attn.q_proj.lora_A`.
  public var name: String { "layers.\(layer).\(kind.parent).\(kind.rawValue).\(factor.rawValue)" }
  /// Compact label for screens: `L0 q.A`.
  public var shortName: String { "L\(layer) \(kind.shortName).\(factor == .a ? "A" : "B")" }
}

/// Offsets of one adapted linear's A ([r, in]) and B ([out, r]) in the LoRA buffer.
public struct LoRALinearSlot: Sendable {
  public let layer: Int
  public let kind: LinearKind
  public let a: Int
  public let b: Int
  public let inFeatures: Int
  public let outFeatures: Int
}

/// The LoRA parameters of every layer in one flat buffer (Docs/Design.md §1).
public struct LoRALayout: Sendable {
  public let config: ModelConfig
  public let lora: LoRAConfig
  /// `linears[layer][kind]`, nil where the kind is not a target.
  public let linears: [[LinearKind: LoRALinearSlot]]
  /// Every module (A and B of every adapted linear), in buffer order.
  public let modules: [LoRAModule]
  public let count: Int

  public init(config c: ModelConfig, lora: LoRAConfig) {
    var offset = 0
    var linears: [[LinearKind: LoRALinearSlot]] = []
    var modules: [LoRAModule] = []
    let r = lora.rank
    for l in 0..<c.numLayers {
      var perLayer: [LinearKind: LoRALinearSlot] = [:]
      for kind in LinearKind.allCases where lora.targets.contains(kind) {
        let inF = kind.inFeatures(c), outF = kind.outFeatures(c)
        let a = offset
        modules.append(LoRAModule(layer: l, kind: kind, factor: .a, offset: a, rows: r, cols: inF))
        offset += r * inF
        let b = offset
        modules.append(LoRAModule(layer: l, kind: kind, factor: .b, offset: b, rows: outF, cols: r))
        offset += outF * r
        perLayer[kind] = LoRALinearSlot(layer: l, kind: kind, a: a, b: b, inFeatures: inF, outFeatures: outF)
      }
      linears.append(perLayer)
    }
    self.config = c
    self.lora = lora
    self.linears = linears
    self.modules = modules
    self.count = offset
  }

  /// |L| of Docs/Design.md §2: the number of adapted linear layers (7 per transformer layer by default).
  public var adaptedLinearCount: Int { modules.count / 2 }

  /// A at creation as PEFT makes it: Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in); B = 0.
  public func initialize(_ buffer: FloatBuffer, seed: UInt64) {
    var rng = SeededRNG(seed: seed)
    buffer.zero()
    for m in modules where m.factor == .a {
      let bound = 1 / Double(m.cols).squareRoot()
      let p = buffer.pointer(m.offset)
      for i in 0..<m.count { p[i] = Float((rng.nextUniform() * 2 - 1) * bound) }
    }
  }

  public func module(named name: String) -> LoRAModule? { modules.first { $0.name == name } }
}
