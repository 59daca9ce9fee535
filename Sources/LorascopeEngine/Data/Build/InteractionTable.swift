/// Interactions as compact parallel arrays (Docs/Design.md §4.4): a user index, an item index
/// and a timestamp per row, in input order. Every user and item id string is stored once, in
/// `userIDs` / `itemIDs`; a 10-million-row table costs about 160 MB here, never its raw text.
struct InteractionTable: Sendable {
  /// Distinct user ids in order of first appearance in the input.
  public private(set) var userIDs: [String] = []
  /// Distinct item ids in order of first appearance in the input.
  public private(set) var itemIDs: [String] = []
  /// Per interaction: the index into `userIDs`.
  public private(set) var users: [Int32] = []
  /// Per interaction: the index into `itemIDs`.
  public private(set) var items: [Int32] = []
  /// Per interaction: the timestamp as given (seconds or milliseconds, `TimestampUnit`).
  public private(set) var timestamps: [Double] = []

  private var userIndexByID: [String: Int32] = [:]
  private var itemIndexByID: [String: Int32] = [:]

  public init() {}

  /// Number of interactions.
  public var count: Int { users.count }

  /// Appends one interaction, interning its ids.
  mutating func append(user: String, item: String, timestamp: Double) {
    users.append(Self.intern(user, into: &userIndexByID, list: &userIDs))
    items.append(Self.intern(item, into: &itemIndexByID, list: &itemIDs))
    timestamps.append(timestamp)
  }

  private static func intern(_ id: String, into table: inout [String: Int32], list: inout [String]) -> Int32 {
    if let known = table[id] { return known }
    let index = Int32(list.count)
    table[id] = index
    list.append(id)
    return index
  }
}

/// The unit of the input's timestamps, detected from their size (Docs/Design.md §4.4).
public enum TimestampUnit: String, Sendable, Codable {
  case seconds
  case milliseconds

  /// Milliseconds when the largest timestamp exceeds 10^11: as seconds that would be the year
  /// 5138, as milliseconds it is 1973, so every real log since then is told apart.
  static func detect(largest: Double) -> TimestampUnit {
    largest > 1e11 ? .milliseconds : .seconds
  }
}
