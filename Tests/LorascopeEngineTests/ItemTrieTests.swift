import Testing

@testable import LorascopeEngine

/// The trie of valid code tuples (Docs/Design.md §1 tokens, Docs/Design.md §2 collisions).
struct ItemTrieTests {
  /// Five items, K = 4, three levels; item 4 shares item 0's tuple.
  let codes = [[0, 1, 2], [0, 1, 3], [0, 2, 0], [1, 0, 0], [0, 1, 2]]

  @Test func countsTuplesLevelsAndVocabulary() throws {
    let trie = try ItemTrie(codes: codes, codebookSize: 4)
    #expect(trie.levels == 3)
    #expect(trie.itemCount == 5)
    #expect(trie.tupleCount == 4)
    #expect(trie.vocabSize == 3 + 3 * 4)
    #expect(trie.token(level: 2, code: 3) == 14)
    #expect(ItemTrie.token(level: 1, code: 2, codebookSize: 256) == 3 + 256 + 2)
    #expect(trie.tokens(ofTuple: [0, 1, 2]) == [3, 8, 13])
    #expect(trie.children(ofPrefix: Array(trie.tokens(ofTuple: [0, 1, 2]).prefix(2))) == [13, 14])
  }

  @Test func childrenFollowTheTokenLayout() throws {
    let trie = try ItemTrie(codes: codes, codebookSize: 4)
    // Level 0 codes 0 and 1 are tokens 3 and 4.
    #expect(trie.children(ofPrefix: []) == [3, 4])
    // After code 0: level-1 codes 1 and 2, tokens 3 + 4 + 1 and 3 + 4 + 2.
    #expect(trie.children(ofPrefix: [3]) == [8, 9])
    // After 0, 1: level-2 codes 2 and 3, tokens 3 + 8 + 2 and 3 + 8 + 3.
    #expect(trie.children(ofPrefix: [3, 8]) == [13, 14])
    #expect(trie.children(ofPrefix: [4]) == [7])
    // A complete tuple has no continuation.
    #expect(trie.children(ofPrefix: [3, 8, 13]).isEmpty)
  }

  @Test func prefixesOutsideTheTrieHaveNoChildren() throws {
    let trie = try ItemTrie(codes: codes, codebookSize: 4)
    #expect(trie.children(ofPrefix: [5]).isEmpty)  // level-0 code 2: no item
    #expect(trie.children(ofPrefix: [8]).isEmpty)  // a level-1 token in first position
    #expect(trie.children(ofPrefix: [ItemTrie.bosToken]).isEmpty)
    #expect(trie.children(ofPrefix: [3, 8, 13, 3]).isEmpty)
  }

  @Test func collidingItemsShareALeaf() throws {
    let trie = try ItemTrie(codes: codes, codebookSize: 4)
    #expect(trie.items(atLeaf: [0, 1, 2]) == [0, 4])
    #expect(trie.items(atLeaf: [1, 0, 0]) == [3])
    #expect(trie.items(atLeaf: [3, 3, 3]).isEmpty)
    #expect(trie.items(atLeaf: [0, 1]).isEmpty)
    #expect(trie.items(atLeaf: [0, 1, 9]).isEmpty)
    #expect(trie.contains(tuple: [0, 2, 0]))
    #expect(!trie.contains(tuple: [0, 2, 1]))
  }

  @Test func tuplesAreNumberedLexicographically() throws {
    let trie = try ItemTrie(codes: codes, codebookSize: 4)
    let all = (0..<trie.tupleCount).compactMap { trie.tuple(at: $0) }
    #expect(all == [[0, 1, 2], [0, 1, 3], [0, 2, 0], [1, 0, 0]])
    #expect(trie.tuple(at: 4) == nil)
    #expect(trie.tuple(at: -1) == nil)
    #expect(trie.tupleIndex(of: [0, 2, 0]) == 2)
  }

  @Test func randomIndexRoundTrips() throws {
    var random = SeededRNG(seed: 7)
    let items = (0..<300).map { _ in (0..<4).map { _ in random.next(below: 5) } }
    let trie = try ItemTrie(codes: items, codebookSize: 5)
    let distinct = Set(items)
    #expect(trie.tupleCount == distinct.count)
    #expect(trie.tupleCount < items.count)  // 300 draws from 625 tuples collide
    for (item, tuple) in items.enumerated() {
      #expect(trie.items(atLeaf: tuple).contains(item))
    }
    let itemsPerLeaf = (0..<trie.tupleCount).map { trie.items(atLeaf: trie.tuple(at: $0)!).count }
    #expect(itemsPerLeaf.reduce(0, +) == items.count)

    // Walking the allowed children from the root enumerates exactly the distinct tuples.
    var reached: Set<[Int]> = []
    func walk(_ prefix: [Int32]) {
      let next = trie.children(ofPrefix: prefix)
      if prefix.count == trie.levels {
        #expect(next.isEmpty)
        reached.insert(prefix.enumerated().map { Int($0.element) - 3 - $0.offset * 5 })
        return
      }
      #expect(!next.isEmpty)
      #expect(next == next.sorted())
      for token in next { walk(prefix + [token]) }
    }
    walk([])
    #expect(reached == distinct)
  }

  @Test func badIndexesThrowNamingTheItem() {
    #expect(throws: LorascopeError.self) { try ItemTrie(codes: [], codebookSize: 4) }
    #expect(throws: LorascopeError.self) { try ItemTrie(codes: [[0, 1]], codebookSize: 0) }
    #expect(throws: LorascopeError.self) { try ItemTrie(codes: [[]], codebookSize: 4) }
    for bad in [[[0, 1], [1, 2], [0, 1, 2]], [[0, 1], [1, 2], [0, 4]], [[0, 1], [1, 2], [-1, 0]]] {
      do {
        _ = try ItemTrie(codes: bad, codebookSize: 4, source: "games.index.json")
        Issue.record("expected an error for \(bad)")
      } catch let error as LorascopeError {
        #expect(error.description.contains("games.index.json"))
        #expect(error.description.contains("item 2"))
      } catch {
        Issue.record("unexpected error \(error)")
      }
    }
  }
}

