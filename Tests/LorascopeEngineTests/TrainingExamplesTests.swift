import Foundation
import Testing

@testable import LorascopeEngine

/// The train/valid/test rules of Docs/Design.md §4 and the token layout of Docs/Design.md §1, checked by hand
/// on a tiny dataset.
@Suite struct TrainingExamplesTests {
  /// Items 0..9 with codes [k % 2, k]: K = 10, tokens 3 + level·10 + code.
  private func tinyItems() throws -> ItemIndex {
    try ItemIndex(itemIDs: (0..<10).map { "item\($0)" }, codes: (0..<10).map { [$0 % 2, $0] })
  }

  /// Users a (5 current), b (2 current, excluded), c (2 previous + 3 current), d (3 current).
  private func tinyDataset() throws -> ContinualDataset {
    let users = [
      UserBlock(userID: "a", previous: [], current: [0, 1, 2, 3, 4]),
      UserBlock(userID: "b", previous: [], current: [5, 6]),
      UserBlock(userID: "c", previous: [7, 8], current: [0, 1, 2]),
      UserBlock(userID: "d", previous: [], current: [9, 0, 1]),
    ]
    return try ContinualDataset(
      name: "tiny", source: "test", items: tinyItems(), blocks: [DataBlock(index: 0, users: users)])
  }

  @Test func usersWithFewerThanThreeCurrentItemsAreExcluded() throws {
    let split = try tinyDataset().split(block: 0)
    #expect(split.valid.map(\.userIndex) == [0, 2, 3])
    #expect(split.test.map(\.userIndex) == [0, 2, 3])
    #expect(!split.train.contains { $0.userIndex == 1 })
  }

  @Test func validAndTestTargetsAreTheLastTwoCurrentItems() throws {
    let split = try tinyDataset().split(block: 0)
    #expect(split.valid == [
      EvaluationExample(userIndex: 0, history: [0, 1, 2], target: 3),
      EvaluationExample(userIndex: 2, history: [7, 8, 0], target: 1),
      EvaluationExample(userIndex: 3, history: [9], target: 0),
    ])
    #expect(split.test == [
      EvaluationExample(userIndex: 0, history: [0, 1, 2, 3], target: 4),
      EvaluationExample(userIndex: 2, history: [7, 8, 0, 1], target: 2),
      EvaluationExample(userIndex: 3, history: [9, 0], target: 1),
    ])
  }

  @Test func trainTargetsOnlyInTheCurrentPart() throws {
    let split = try tinyDataset().split(block: 0)
    // a: train list [0, 1, 2]: items 1 and 2 are targets (0 has nothing before it).
    // c: train list [7, 8, 0]: only 0 is a target (7, 8 are previous_block context).
    // d: train list [9]: no item before it, so no window.
    #expect(split.train == [
      TrainingSequence(userIndex: 0, items: [0, 1, 2], firstTarget: 1),
      TrainingSequence(userIndex: 2, items: [7, 8, 0], firstTarget: 2),
    ])
  }

  @Test func historyIsCutToMaxHistory() throws {
    let split = try tinyDataset().split(block: 0, maxHistory: 2)
    #expect(split.test[0] == EvaluationExample(userIndex: 0, history: [2, 3], target: 4))
    #expect(split.valid[1] == EvaluationExample(userIndex: 2, history: [8, 0], target: 1))
  }

  @Test func windowsAreCutFromTheEndWithFullHistoryForTheLastTarget() {
    // Train list: p0 p1 c0..c7 = positions 0..9; targets are positions 2..9.
    let train = [100, 101, 0, 1, 2, 3, 4, 5, 6, 7]
    let windows = TrainingWindows.pack(userIndex: 5, trainItems: train, firstTargetPosition: 2, maxHistory: 3)
    #expect(windows == [
      TrainingSequence(userIndex: 5, items: [100, 101, 0, 1], firstTarget: 2),  // targets 0, 1
      TrainingSequence(userIndex: 5, items: [1, 2, 3, 4], firstTarget: 1),  // targets 2, 3, 4
      TrainingSequence(userIndex: 5, items: [4, 5, 6, 7], firstTarget: 1),  // targets 5, 6, 7
    ])
    #expect(windows.map(\.targetCount) == [2, 3, 3])
  }

  @Test func everyTargetAppearsExactlyOnceWithItsTrueHistory() {
    // Items are their own positions in the train list, so a window shows where it was cut.
    for previous in [0, 1, 2, 5, 30] {
      for current in [1, 2, 7, 21, 22, 50] {
        for maxHistory in [1, 2, 3, 20] {
          let train = Array(0..<(previous + current))
          let firstTarget = max(previous, 1)
          let windows = TrainingWindows.pack(
            userIndex: 0, trainItems: train, firstTargetPosition: firstTarget, maxHistory: maxHistory)
          var scored: [Int] = []
          for window in windows {
            #expect(window.items.count <= maxHistory + 1)
            #expect(window.firstTarget >= 1 && window.firstTarget < window.items.count)
            #expect(window.items == Array(window.items[0]...window.items[window.items.count - 1]))
            scored += window.items[window.firstTarget...]
            // The window's last target sees min(maxHistory, its position) items of history.
            #expect(window.items.count - 1 == min(maxHistory, window.items.last!))
          }
          #expect(scored == Array(firstTarget..<train.count), "previous \(previous) current \(current) h \(maxHistory)")
        }
      }
    }
  }

  @Test func splitScoresEveryCurrentTrainItemOfSyntheticUsers() throws {
    let dataset = try SyntheticDrift.generate(SyntheticDriftConfig(seed: 7, usersPerBlock: 120, meanItemsPerUser: 12))
    for block in dataset.blocks {
      let split = try dataset.split(block: block.index, maxHistory: 5)
      var targets = [Int](repeating: 0, count: block.users.count)
      for window in split.train {
        let user = block.users[window.userIndex]
        let trainList = user.previous + user.current.dropLast(2)
        #expect(window.items.count <= 6)
        // Each window is a contiguous run of the user's train list.
        let isRun = (0...(trainList.count - window.items.count)).contains {
          Array(trainList[$0..<($0 + window.items.count)]) == window.items
        }
        #expect(isRun)
        targets[window.userIndex] += window.targetCount
      }
      for (userIndex, user) in block.users.enumerated() {
        let expected = user.current.count >= 3 ? user.previous.count + user.current.count - 2 - max(user.previous.count, 1) : 0
        #expect(targets[userIndex] == max(expected, 0))
      }
    }
  }

  @Test func splitRejectsBadArguments() throws {
    let dataset = try tinyDataset()
    #expect(throws: LorascopeError.self) { try dataset.split(block: 1) }
    #expect(throws: LorascopeError.self) { try dataset.split(block: 0, maxHistory: 0) }
  }

  @Test func tokenLayoutIsBOSThenCodes() throws {
    let items = try tinyItems()
    #expect(items.codebookSize == 10)
    #expect(items.vocabSize == 23)
    #expect(TokenSequence.encode(items: [0, 1, 2], itemIndex: items) == [1, 3, 13, 4, 14, 3, 15])
  }

  @Test func trainingTargetsAreTheNextTokensOfTargetItems() throws {
    let items = try tinyItems()
    let pair = TokenSequence.trainingPair(
      for: TrainingSequence(userIndex: 0, items: [0, 1, 2], firstTarget: 1), itemIndex: items)
    // tokens [BOS, 3, 13, 4, 14, 3, 15]; item 1 starts at token 3, so position 2 predicts it.
    #expect(pair.inputs == [1, 3, 13, 4, 14, 3])
    #expect(pair.targets == [-1, -1, 4, 14, 3, 15])

    let late = TokenSequence.trainingPair(
      for: TrainingSequence(userIndex: 0, items: [7, 8, 0], firstTarget: 2), itemIndex: items)
    // tokens [BOS, 4, 20, 3, 21, 3, 13]: only item 0 (window position 2) is scored.
    #expect(late.inputs == [1, 4, 20, 3, 21, 3])
    #expect(late.targets == [-1, -1, -1, -1, 3, 13])
  }

  @Test func evaluationPromptIsTheHistory() throws {
    let items = try tinyItems()
    let prompt = TokenSequence.prompt(
      for: EvaluationExample(userIndex: 0, history: [2, 3], target: 4), itemIndex: items)
    #expect(prompt == [1, 3, 15, 4, 16])
  }
}
