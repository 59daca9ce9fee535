import Foundation

/// What a method keeps from a finished stage for the later ones (Docs/Design.md §2), e.g.
/// Synaptic Intelligence's importance Ω: named Float32 vectors, written beside the stage's
/// adapter as `stages/stage_<t>/method_state.safetensors`, so a resumed run, `spectrum`,
/// `verify` and a race of a later stage read the same state the run trained with.
struct MethodState: Equatable {
  var tensors: [String: [Float]]

  static let fileName = "method_state.safetensors"

  /// The vector `name`, or an error naming the file it should have come from.
  func vector(_ name: String, count: Int, stage: Int) throws -> [Float] {
    guard let values = tensors[name], values.count == count else {
      throw LorascopeError.invalidConfiguration(
        "stage \(stage)'s method state has no '\(name)' of \(count) entries (\(Self.fileName))")
    }
    return values
  }

  func write(to stageDirectory: URL) throws {
    let list = try tensors.keys.sorted().map { name in
      try SafetensorsTensor(name: name, floats: tensors[name] ?? [], shape: [tensors[name]?.count ?? 0])
    }
    try FileManager.default.createDirectory(at: stageDirectory, withIntermediateDirectories: true)
    try SafetensorsFile(tensors: list).write(to: stageDirectory.appendingPathComponent(Self.fileName))
  }

  /// The state in `stageDirectory`, nil when the stage kept none.
  static func read(from stageDirectory: URL) throws -> MethodState? {
    let url = stageDirectory.appendingPathComponent(fileName)
    guard FileManager.default.fileExists(atPath: url.path) else { return nil }
    let file = try SafetensorsFile.read(from: url)
    var tensors: [String: [Float]] = [:]
    for (name, tensor) in file.tensors { tensors[name] = try tensor.floats() }
    return MethodState(tensors: tensors)
  }
}
