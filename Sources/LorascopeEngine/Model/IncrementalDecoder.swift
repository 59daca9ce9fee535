import Foundation

/// Scores next tokens for beam search with a key/value cache (Docs/Design.md §5, Docs/Math.md §34).
///
/// The beam search asks for log-probabilities of contexts that grow by one token per level:
/// first BOS + history (a *prefix*), then each beam's context with one more code token. A
/// context whose parent (the context without its last token) was scored in the previous call
/// only runs its new token through the model, attending to the parent's cached keys and values;
/// any other context gets a full pass that fills the cache. Results equal
/// `LlamaModel.nextTokenLogProbs` up to float rounding (a test checks this).
///
/// Every call is batched across all its contexts so that decoding runs at the BLAS rate:
/// - the weights are folded and fused once (`DecodingWeights`): one GEMM per q/k/v, o,
///   gate/up and down over every row of the call;
/// - full passes pack the contexts back to back, without padding (`PrefillPass`);
/// - one-token steps group the beams that share a prefix, so their attention over the prefix
///   is two small GEMMs per head instead of two matrix–vector products per beam (`StepPass`).
public final class IncrementalDecoder: NextTokenScorer {
  /// Keys (after rotary) and values of every layer for a prefix's positions: rows
  /// `start..<start + length` of the prefill pass's store, shared by all beams grown from it.
  final class PrefixCache {
    let rows: KeyValueRows
    let start: Int
    let length: Int
    init(rows: KeyValueRows, start: Int, length: Int) {
      self.rows = rows
      self.start = start
      self.length = length
    }
  }

  /// One context: its shared prefix plus the few code tokens the beam added to it, each a row
  /// of the one-token pass that scored it.
  struct Cache {
    let prefix: PrefixCache
    var extras: [(rows: KeyValueRows, row: Int)]
    var length: Int { prefix.length + extras.count }
  }

  public let model: LlamaModel
  public var vocabSize: Int { model.config.vocabSize }
  let weights: DecodingWeights
  let workspace = DecodingWorkspace()
  private var caches: [[Int32]: Cache] = [:]
  /// How many contexts were scored from the cache (one new token) and with a full pass.
  public private(set) var cachedContexts = 0
  public private(set) var fullContexts = 0

  /// Reads the model's weights and adapter now: the decoder scores this state even if the
  /// model trains on afterwards.
  public init(model: LlamaModel) {
    self.model = model
    weights = DecodingWeights(model: model)
  }

  private init(model: LlamaModel, weights: DecodingWeights) {
    self.model = model
    self.weights = weights
  }

  /// One decoder per core over the same folded weights (read-only while decoding), each with
  /// its own cache, for `ConstrainedBeamSearch.search(histories:scorers:)`.
  public static func onEveryCore(model: LlamaModel) -> [IncrementalDecoder] {
    let first = IncrementalDecoder(model: model)
    // Inside `Parallel.inline` the caller holds one core: one decoder (the same rankings).
    let cores = Parallel.isInline ? 1 : Parallel.workers
    return [first] + (1..<cores).map { _ in IncrementalDecoder(model: model, weights: first.weights) }
  }

  public func nextTokenLogProbs(contexts: [[Int32]]) throws -> [[Float]] {
    let cfg = model.config
    for (i, ctx) in contexts.enumerated() {
      guard !ctx.isEmpty else { throw LorascopeError.invalidConfiguration("context \(i) is empty") }
      guard ctx.count <= cfg.maxPositions else {
        throw LorascopeError.invalidConfiguration(
          "context \(i) has \(ctx.count) tokens, more than max positions \(cfg.maxPositions)")
      }
      if let bad = ctx.first(where: { $0 < 0 || Int($0) >= cfg.vocabSize }) {
        throw LorascopeError.invalidConfiguration("token \(bad) outside the vocabulary of \(cfg.vocabSize)")
      }
    }
    var fresh: [Int] = [], extended: [Int] = [], parents: [Cache] = []
    for (i, ctx) in contexts.enumerated() {
      if ctx.count > 1, let parent = caches[Array(ctx.dropLast())] {
        extended.append(i)
        parents.append(parent)
      } else {
        fresh.append(i)
      }
    }
    cachedContexts += extended.count
    fullContexts += fresh.count
    var out = [[Float]](repeating: [], count: contexts.count)
    var next: [[Int32]: Cache] = [:]
    next.reserveCapacity(contexts.count)
    if !fresh.isEmpty {
      let pass = PrefillPass(decoder: self, contexts: fresh.map { contexts[$0] })
      let rows = pass.run()
      for (k, i) in fresh.enumerated() {
        out[i] = rows[k]
        next[contexts[i]] = pass.cache(of: k)
      }
    }
    if !extended.isEmpty {
      let pass = StepPass(decoder: self, tokens: extended.map { contexts[$0].last ?? 0 }, parents: parents)
      let rows = pass.run()
      for (k, i) in extended.enumerated() {
        out[i] = rows[k]
        next[contexts[i]] = pass.cache(of: k)
      }
    }
    // Beam search only ever extends the contexts of the previous call.
    caches = next
    return out
  }
}
