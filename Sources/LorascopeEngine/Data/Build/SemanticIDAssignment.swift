/// Gives every item of a built dataset its semantic ID (Docs/Design.md §4.4): `levels` residual
/// k-means codes, then one last code that tells apart the items sharing those codes.
///
/// No code is shaped by an interaction a later block tests on:
/// - the codebooks are fitted once, on the items of block 0, and never move;
/// - collaborative vectors come from block 0's training lists only (previous_block +
///   current_block[:-2] of its users: never a validation or test item);
/// - an item first seen in block t > 0 gets its vector from block t's training lists only, as the
///   mean of the vectors of the items it co-occurs with there (items already placed); items that
///   appear only as a validation or test target of their first block have no information: they get
///   a seeded random vector (per item, from the seed and the item's dense index, with the spread
///   of the placed vectors), so that they scatter over the codes instead of piling into one tuple
///   (Video_Games has thousands of them), and nothing about them is learned from a test;
/// - the last code numbers an item within its tuple in the order items are first seen, so a later
///   item never changes an earlier item's code.
/// Hence the codes of the items of blocks 0…t are fixed by blocks 0…t's training parts.
enum SemanticIDAssignment {
  /// What the code step did (build.json).
  struct Record: Codable, Sendable, Equatable {
    /// "collaborative" (PPMI eigenvectors) or the path of the `.npy` file.
    let source: String
    let dimension: Int
    /// Items the codebooks were fitted on (block 0's).
    let fittedItems: Int
    /// Per block: items first seen there, and of them the ones without any information (a random vector).
    let newItemsPerBlock: [Int]
    let uninformedItemsPerBlock: [Int]
    /// The largest number of items that share the k-means codes (the last level's size).
    let largestSharedTuple: Int
  }

  /// Input vectors: computed from the interactions, or given per item id.
  enum Vectors {
    case collaborative(dimension: Int)
    case given(path: String, vectors: [String: [Float]], dimension: Int)
  }

  /// - Parameters:
  ///   - blocks: the built blocks (table item indices).
  ///   - itemOrder: the dataset's items (table item indices) in dense order.
  ///   - firstBlock: the block where each dense item is first referenced.
  static func assign(
    blocks: [[ChronologicalBlocks.UserRows]], itemOrder: [Int32], firstBlock: [Int], itemIDs: [String],
    vectors source: Vectors, levels: Int, codebookSize: Int, iterations: Int, seed: UInt64
  ) throws -> (codes: [[Int]], record: Record) {
    let count = itemOrder.count
    var dense = [Int32: Int32]()
    for (position, item) in itemOrder.enumerated() { dense[item] = Int32(position) }
    func trainingLists(_ block: Int) -> [[Int32]] {
      blocks[block].map { user in (user.previous + user.current.dropLast(2)).map { dense[$0]! } }
    }

    let dimension: Int
    var vectors = [Float]()
    var known = [Bool](repeating: false, count: count)
    var uninformed = [Int](repeating: 0, count: blocks.count)
    var fitted: [Int] = []
    switch source {
    case .given(_, let table, let d):
      dimension = d
      vectors = [Float](repeating: 0, count: count * d)
      for item in 0..<count {
        guard let vector = table[itemIDs[Int(itemOrder[item])]] else {
          throw LorascopeError.invalidConfiguration(
            "item \(ErrorQuote.quoted(itemIDs[Int(itemOrder[item])])) has no row in --item-embeddings (its id is not in --item-ids)")
        }
        vectors.replaceSubrange((item * d)..<((item + 1) * d), with: vector)
        known[item] = true
      }
      fitted = (0..<count).filter { firstBlock[$0] == 0 }
    case .collaborative(let d):
      dimension = d
      vectors = [Float](repeating: 0, count: count * d)
      // Block 0: the eigenvectors of its training lists' co-occurrences, over the items in them.
      let lists = trainingLists(0)
      var local = [Int32](repeating: -1, count: count)
      var members: [Int] = []
      for list in lists {
        for item in list where local[Int(item)] < 0 {
          local[Int(item)] = Int32(members.count)
          members.append(Int(item))
        }
      }
      let embedded = try CollaborativeEmbeddings.embed(
        sequences: lists.map { $0.map { local[Int($0)] } }, count: members.count, dimension: d, seed: seed)
      for (position, item) in members.enumerated() {
        for j in 0..<d { vectors[item * d + j] = embedded[position * d + j] }
        known[item] = true
      }
      fitted = members
      for t in 1..<max(blocks.count, 1) { foldIn(block: t, lists: trainingLists(t), vectors: &vectors, known: &known, dimension: d, firstBlock: firstBlock) }
    }
    scatterUninformed(&vectors, known: known, dimension: dimension, seed: seed)
    if case .collaborative = source {
      // Directions, not lengths: an item seen in few pairs has a short PPMI vector, and without
      // this the short ones pile into one first-level code (on Video_Games a_176 took 3,300
      // items and one tuple 1,205).
      normalizeRows(&vectors, dimension: dimension)
    }
    for item in 0..<count where !known[item] { uninformed[firstBlock[item]] += 1 }

    // Codebooks on the fitted items; every other item is encoded with them.
    let quantizer = ResidualKMeans(codebookSize: codebookSize, levels: levels, iterations: iterations, seed: seed)
    var fitRows = [Float]()
    fitRows.reserveCapacity(fitted.count * dimension)
    for item in fitted { fitRows.append(contentsOf: vectors[(item * dimension)..<((item + 1) * dimension)]) }
    let (codebooks, _) = quantizer.fit(fitRows, dimension: dimension)
    var codes = ResidualKMeans.encode(vectors, dimension: dimension, codebooks: codebooks)

    // The last level: the item's place among the items with the same codes, in dense order.
    var taken: [[Int]: Int] = [:]
    var largest = 0
    for item in 0..<count {
      let place = taken[codes[item], default: 0]
      taken[codes[item]] = place + 1
      largest = max(largest, place + 1)
      codes[item].append(place)
    }
    guard largest <= ItemIndex.maximumCodebookSize else {
      throw LorascopeError.invalidConfiguration(
        "\(largest) items share one code tuple, more than the last level can number (\(ItemIndex.maximumCodebookSize)): use more --levels or a larger --codebook")
    }
    var newItems = [Int](repeating: 0, count: blocks.count)
    for block in firstBlock { newItems[block] += 1 }
    let record = Record(
      source: { if case .given(let path, _, _) = source { return path } else { return "collaborative" } }(),
      dimension: dimension, fittedItems: fitted.count, newItemsPerBlock: newItems, uninformedItemsPerBlock: uninformed,
      largestSharedTuple: largest)
    return (codes, record)
  }

  private static func normalizeRows(_ vectors: inout [Float], dimension d: Int) {
    for row in 0..<(d > 0 ? vectors.count / d : 0) {
      var squares = 0.0
      for j in 0..<d { squares += Double(vectors[row * d + j]) * Double(vectors[row * d + j]) }
      guard squares > 0 else { continue }
      let scale = 1 / squares.squareRoot()
      for j in 0..<d { vectors[row * d + j] = Float(Double(vectors[row * d + j]) * scale) }
    }
  }

  /// Gives every item without information a random vector: per dimension, a normal draw with the
  /// standard deviation of the placed items' vectors, from a generator seeded by `seed` and the
  /// item's dense index (so an item's draw does not depend on how many others lack information).
  private static func scatterUninformed(_ vectors: inout [Float], known: [Bool], dimension d: Int, seed: UInt64) {
    let placed = known.indices.filter { known[$0] }
    var spread = [Double](repeating: 1, count: d)
    if placed.count > 1 {
      for j in 0..<d {
        var sum = 0.0
        var squares = 0.0
        for item in placed {
          let v = Double(vectors[item * d + j])
          sum += v
          squares += v * v
        }
        let mean = sum / Double(placed.count)
        spread[j] = max(squares / Double(placed.count) - mean * mean, 0).squareRoot()
      }
      if spread.allSatisfy({ $0 == 0 }) { spread = [Double](repeating: 1, count: d) }
    }
    for item in known.indices where !known[item] {
      var rng = SeededRNG(seed: SeedStream.mix(seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(item + 1)))
      for j in 0..<d { vectors[item * d + j] = Float(spread[j] * rng.nextNormal()) }
    }
  }

  /// Places the items first seen in `block` by the mean vector of the placed items near them
  /// (within `CollaborativeEmbeddings.window`) in the block's training lists. Three rounds, so an
  /// item whose neighbours are themselves new gets placed through them.
  private static func foldIn(
    block: Int, lists: [[Int32]], vectors: inout [Float], known: inout [Bool], dimension d: Int, firstBlock: [Int]
  ) {
    for _ in 0..<3 {
      var sums: [Int: [Double]] = [:]
      var weights: [Int: Int] = [:]
      for list in lists {
        for (p, item) in list.enumerated() where !known[Int(item)] && firstBlock[Int(item)] == block {
          let low = max(0, p - CollaborativeEmbeddings.window)
          let high = min(list.count, p + CollaborativeEmbeddings.window + 1)
          for q in low..<high where q != p && known[Int(list[q])] {
            let neighbour = Int(list[q])
            var sum = sums[Int(item)] ?? [Double](repeating: 0, count: d)
            for j in 0..<d { sum[j] += Double(vectors[neighbour * d + j]) }
            sums[Int(item)] = sum
            weights[Int(item), default: 0] += 1
          }
        }
      }
      if sums.isEmpty { return }
      for item in sums.keys.sorted() {
        let w = Double(weights[item]!)
        for j in 0..<d { vectors[item * d + j] = Float(sums[item]![j] / w) }
        known[item] = true
      }
    }
  }
}
