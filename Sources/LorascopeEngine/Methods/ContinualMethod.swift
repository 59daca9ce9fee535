/// A continual-training method by its command-line name (Docs/Design.md §2). The names, and what
/// each method does, are the rows of `table`: adding a method is one file with its
/// `ContinualMethodDefinition` and one row here (Docs/Architecture.md, "Adding a method").
public struct ContinualMethod: RawRepresentable, Codable, CaseIterable, Hashable, Sendable {
  /// Every method, in the order `--help`, the screen and the reports list them.
  static let table: [any ContinualMethodDefinition] = [
    ProximalMethod.peso,
    ProximalMethod.l2,
    ProximalMethod.ewc,
    SingleAdapterMethod(),
    CumulativeMethod.all,
    CumulativeMethod.latest,
    FrozenMethod(),
    SynapticIntelligence(),
    OrthogonalLoRA(),
  ]

  public let rawValue: String

  /// The method named `rawValue`, nil for a name not in `table`.
  public init?(rawValue: String) {
    guard Self.table.contains(where: { $0.name == rawValue }) else { return nil }
    self.rawValue = rawValue
  }

  public static var allCases: [ContinualMethod] { table.map { ContinualMethod(row: $0) } }

  init(row: any ContinualMethodDefinition) { rawValue = row.name }

  /// The methods other code names by name (the default, the sweep's baselines and its λ options).
  public static let peso = ContinualMethod(row: ProximalMethod.peso)
  public static let l2 = ContinualMethod(row: ProximalMethod.l2)
  public static let ewc = ContinualMethod(row: ProximalMethod.ewc)
  public static let single = ContinualMethod(row: SingleAdapterMethod())
  public static let cumulativeAll = ContinualMethod(row: CumulativeMethod.all)
  public static let cumulativeLatest = ContinualMethod(row: CumulativeMethod.latest)
  public static let frozen = ContinualMethod(row: FrozenMethod())

  /// The method's row (`init?(rawValue:)` admits only names in `table`).
  var definition: any ContinualMethodDefinition {
    Self.table.first { $0.name == rawValue } ?? ProximalMethod.peso
  }

  /// Whether λ means anything for this method (the screen greys it out otherwise).
  public var usesLambda: Bool { definition.usesLambda }

  public var summary: String { definition.summary }
}
