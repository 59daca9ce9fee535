/// What the anchor cannot reach (Docs/Math.md §48): with embeddings and lm_head trained, the
/// validation CE of finished stage t ≥ 1 on blocks < t (`old`) and on block t (`new`) with neither
/// update, only the LoRA update, only the embedding/lm_head update, and both; each update's
/// Shapley share of the CE change (the interaction split evenly), and the share of the absolute
/// change over both sets that went through each. PESO's penalty acts on the LoRA part only.
public struct ChangeShare: Codable, Equatable, Sendable {
  /// Validation CE of one set of blocks under the four mixes of the stage's two updates.
  public struct Mixes: Codable, Equatable, Sendable {
    /// The stage's start: embeddings/lm_head of stage t − 1, the adapter the stage started from.
    public var start: Double
    /// Only the LoRA update: embeddings/lm_head of stage t − 1, adapter v_t.
    public var lora: Double
    /// Only the embedding/lm_head update: stage t's, with the adapter the stage started from.
    public var embeddings: Double
    /// Both: the stage's own state (on block t, its validation CE).
    public var both: Double

    public init(start: Double, lora: Double, embeddings: Double, both: Double) {
      self.start = start
      self.lora = lora
      self.embeddings = embeddings
      self.both = both
    }

    /// CE(both) − CE(start) − (CE(lora) − CE(start)) − (CE(embeddings) − CE(start)): what the two
    /// updates do together beyond the sum of what each does alone (Docs/Math.md §48).
    public var interaction: Double { both - lora - embeddings + start }
    /// The LoRA update's Shapley contribution: its effect averaged over both orders (Docs/Math.md §48).
    public var loraContribution: Double { ((lora - start) + (both - embeddings)) / 2 }
    /// The embedding/lm_head update's Shapley contribution.
    public var embeddingContribution: Double { ((embeddings - start) + (both - lora)) / 2 }
  }

  /// Blocks < t pooled.
  public var old: Mixes
  /// Block t.
  public var new: Mixes

  public init(old: Mixes, new: Mixes) {
    self.old = old
    self.new = new
  }

  /// Σ_sets |φ_L| / Σ_sets (|φ_L| + |φ_E|) (Docs/Math.md §48); nil when neither update changed any CE.
  public var lora: Double? {
    let l = abs(old.loraContribution) + abs(new.loraContribution)
    let e = abs(old.embeddingContribution) + abs(new.embeddingContribution)
    return l + e > 0 ? l / (l + e) : nil
  }

  /// 1 − `lora`: the share λ cannot reach.
  public var embeddings: Double? { lora.map { 1 - $0 } }

  /// More than half of the stage's CE change went through parameters the penalty does not anchor.
  public var anchorCannotReachMost: Bool { (embeddings ?? 0) > 0.5 }

  enum CodingKeys: String, CodingKey { case lora, embeddings, old = "old_ce", new = "new_ce", interaction }
  enum InteractionKeys: String, CodingKey { case old, new }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    old = try c.decode(Mixes.self, forKey: .old)
    new = try c.decode(Mixes.self, forKey: .new)
  }

  /// `lora` and `embeddings` (null when nothing changed), the CE of every mix, and the interaction
  /// per set; the shares are recomputed from the CE values when read back.
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(lora, forKey: .lora)
    try c.encode(embeddings, forKey: .embeddings)
    try c.encode(old, forKey: .old)
    try c.encode(new, forKey: .new)
    var i = c.nestedContainer(keyedBy: InteractionKeys.self, forKey: .interaction)
    try i.encode(old.interaction, forKey: .old)
    try i.encode(new.interaction, forKey: .new)
  }
}
