/// A named tensor inside a flat buffer: where it starts and its shape.
public struct TensorSlot: Sendable, Equatable {
  public let name: String
  public let offset: Int
  public let shape: [Int]
  public var count: Int { shape.reduce(1, *) }
}

/// The table of contents of a flat parameter buffer (llm.c's `fill_in_parameter_sizes`):
/// tensors are appended in order, each gets the next `count` floats.
public struct TensorLayout: Sendable {
  public private(set) var slots: [TensorSlot] = []
  public private(set) var totalCount = 0
  private var indexByName: [String: Int] = [:]

  public init() {}

  /// Appends a tensor and returns its offset.
  @discardableResult
  public mutating func add(_ name: String, _ shape: [Int]) -> Int {
    precondition(indexByName[name] == nil, "duplicate tensor \(name)")
    let slot = TensorSlot(name: name, offset: totalCount, shape: shape)
    indexByName[name] = slots.count
    slots.append(slot)
    totalCount += slot.count
    return slot.offset
  }

  public func slot(named name: String) -> TensorSlot? {
    indexByName[name].map { slots[$0] }
  }
}
