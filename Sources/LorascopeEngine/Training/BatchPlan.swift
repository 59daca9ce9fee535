/// The order in which a stage visits its training sequences: shuffled per epoch (seeded),
/// with sequences of similar length grouped into one batch so padding stays small.
///
/// Every sequence is packed whole (one forward pass scores every target position of it,
/// Docs/Design.md §4), and each epoch visits each sequence exactly once.
public struct BatchPlan: Sendable {
  public let pairs: [TrainingPair]
  public let batchSize: Int
  public let seed: UInt64

  public init(pairs: [TrainingPair], batchSize: Int, seed: UInt64) {
    self.pairs = pairs
    self.batchSize = max(1, batchSize)
    self.seed = seed
  }

  public var batchesPerEpoch: Int { (pairs.count + batchSize - 1) / batchSize }

  /// The batches of one epoch: shuffle, sort by length inside windows of 16 batches, cut into
  /// batches, shuffle the batches.
  public func epoch(_ e: Int) -> [[Int]] {
    var rng = SeedStream(root: seed).generator(.epochOrder, e)
    var order = Array(pairs.indices)
    order.shuffle(using: &rng)
    let window = batchSize * 16
    var batches: [[Int]] = []
    var start = 0
    while start < order.count {
      let end = min(start + window, order.count)
      let sorted = order[start..<end].sorted { pairs[$0].inputs.count < pairs[$1].inputs.count }
      var i = 0
      while i < sorted.count {
        batches.append(Array(sorted[i..<min(i + batchSize, sorted.count)]))
        i += batchSize
      }
      start = end
    }
    batches.shuffle(using: &rng)
    return batches
  }

  public func batch(_ indices: [Int]) -> TokenBatch { TokenBatch(rows: indices.map { pairs[$0] }) }
}
