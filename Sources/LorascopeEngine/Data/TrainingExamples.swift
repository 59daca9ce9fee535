/// A packed training window of one user: at most `maxHistory + 1` consecutive items of the
/// user's train list (`previous + current[:-2]`, Docs/Design.md §4).
///
/// `items[j]` is a target for every j ≥ `firstTarget` (always ≥ 1); its history is
/// `items[0..<j]`, the items before it in the window. One forward pass over the window scores
/// all its targets at once.
///
/// Windows are cut from the end of the train list backwards: the last window ends at the
/// user's last train item, spans `maxHistory + 1` items, and scores every target in it except
/// its first item; that first item is the last target of the window before it, and so on, so
/// every target of the current part appears in exactly one window and the last target of each
/// window sees a full `maxHistory` items. The consequence of packing: a target at window
/// position j sees only j items of history, so the early targets of a window see fewer than
/// `maxHistory` items although the user has more history. A window that reaches into
/// `previous` uses those items as context only.
public struct TrainingSequence: Sendable, Equatable {
  /// The user's position in `DataBlock.users`.
  public let userIndex: Int
  /// The window's items (dense item indices), in time order.
  public let items: [Int]
  /// Window position of the first target; items before it are context.
  public let firstTarget: Int

  public init(userIndex: Int, items: [Int], firstTarget: Int) {
    self.userIndex = userIndex
    self.items = items
    self.firstTarget = firstTarget
  }

  /// Number of target items in this window.
  public var targetCount: Int { items.count - max(firstTarget, 1) }
}

/// One held-out next-item example: the last `maxHistory` items before the target.
public struct EvaluationExample: Sendable, Equatable {
  /// The user's position in `DataBlock.users`.
  public let userIndex: Int
  /// At most `maxHistory` items (from previous + current) just before the target, in time order.
  public let history: [Int]
  /// The item to recommend.
  public let target: Int

  public init(userIndex: Int, history: [Int], target: Int) {
    self.userIndex = userIndex
    self.history = history
    self.target = target
  }
}

/// The train/valid/test examples of one block (Docs/Design.md §4).
public struct BlockSplit: Sendable, Equatable {
  /// Packed windows over `previous + current[:-2]`, targets in the current part only.
  public let train: [TrainingSequence]
  /// One example per eligible user: target `current[-2]`.
  public let valid: [EvaluationExample]
  /// One example per eligible user: target `current[-1]`.
  public let test: [EvaluationExample]

  public init(train: [TrainingSequence], valid: [EvaluationExample], test: [EvaluationExample]) {
    self.train = train
    self.valid = valid
    self.test = test
  }
}

extension ContinualDataset {
  /// Users need this many current items to be used: at least one to train on, one to
  /// validate, one to test (Docs/Design.md §4).
  public static let minimumCurrentItems = 3

  /// History length of the released setup: the last 20 items (Docs/Design.md §1, §4).
  public static let defaultMaxHistory = 20

  /// The train/valid/test examples of block `block` (Docs/Design.md §4).
  ///
  /// Users with at least 3 items in `current` take part, in file order. Train: packed windows
  /// (see `TrainingSequence`) over `previous + current[:-2]` whose targets are the items of
  /// `current[:-2]` that have at least one item before them. Valid: `current[-2]` with the
  /// last `maxHistory` items before it. Test: `current[-1]` likewise (its history includes
  /// the validation item).
  ///
  /// - Throws: `LorascopeError.usage` for a block out of range or `maxHistory < 1`.
  public func split(block: Int, maxHistory: Int = ContinualDataset.defaultMaxHistory) throws -> BlockSplit {
    guard blocks.indices.contains(block) else {
      throw LorascopeError.usage("block \(block) does not exist: \(name) has blocks 0..\(blocks.count - 1)")
    }
    guard maxHistory >= 1 else { throw LorascopeError.usage("maxHistory must be at least 1, got \(maxHistory)") }

    var train: [TrainingSequence] = []
    var valid: [EvaluationExample] = []
    var test: [EvaluationExample] = []
    for (userIndex, user) in blocks[block].users.enumerated() where user.takesPart {
      let full = user.previous + user.current
      let validPosition = full.count - 2
      let testPosition = full.count - 1
      train.append(
        contentsOf: TrainingWindows.pack(
          userIndex: userIndex, trainItems: user.trainItems,
          firstTargetPosition: max(user.previous.count, 1), maxHistory: maxHistory))
      valid.append(
        EvaluationExample(
          userIndex: userIndex, history: Array(full[max(0, validPosition - maxHistory)..<validPosition]),
          target: full[validPosition]))
      test.append(
        EvaluationExample(
          userIndex: userIndex, history: Array(full[max(0, testPosition - maxHistory)..<testPosition]),
          target: full[testPosition]))
    }
    return BlockSplit(train: train, valid: valid, test: test)
  }
}

extension UserBlock {
  /// Whether the user takes part in the block's split: at least
  /// `ContinualDataset.minimumCurrentItems` current items.
  var takesPart: Bool { current.count >= ContinualDataset.minimumCurrentItems }

  /// The user's train list, `previous + current[:-2]`: what the training windows cover and the
  /// counting baselines count (Docs/Math.md §44). Only for a user who `takesPart`.
  var trainItems: [Int] { previous + current.dropLast(2) }
}

/// The packing rule of `TrainingSequence`, on its own so it can be tested directly.
enum TrainingWindows {
  /// Cuts `trainItems` into windows of at most `maxHistory + 1` items from the end backwards.
  /// Positions ≥ `firstTargetPosition` (≥ 1) are targets; each lands in exactly one window,
  /// at a window position ≥ 1. Windows are returned in time order.
  static func pack(
    userIndex: Int, trainItems: [Int], firstTargetPosition: Int, maxHistory: Int
  ) -> [TrainingSequence] {
    var windows: [TrainingSequence] = []
    var end = trainItems.count - 1  // position of the last target not yet in a window
    while end >= firstTargetPosition {
      let start = max(0, end - maxHistory)
      let firstTarget = max(firstTargetPosition, start + 1) - start
      windows.append(
        TrainingSequence(userIndex: userIndex, items: Array(trainItems[start...end]), firstTarget: firstTarget))
      end = start  // the window's first item is a target of the window before it
    }
    return windows.reversed()
  }
}
