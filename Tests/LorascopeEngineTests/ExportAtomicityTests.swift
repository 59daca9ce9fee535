import Foundation
import Testing

@testable import LorascopeEngine

/// `export` at the OUT level (issue 26, defect 9): built in a temporary sibling and renamed, so
/// --overwrite replaces OUT as a whole, a symbolic link at OUT is replaced and never followed,
/// and a failed export leaves the old OUT as it was.
@Suite("Export atomicity", .serialized)
struct ExportAtomicityTests {
  static func finishedSession() throws -> ContinualSession {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    var config = StageZeroCacheTests.quickConfig(data, method: .peso)
    config.adapter.epochs = 0.5
    let session = try ContinualSession(config: config, dataset: data, backboneCache: ContinualPipelineTests.tempDir())
    try session.finishCurrentStage()
    try session.finishCurrentStage()
    return session
  }

  @Test("--overwrite replaces OUT as a whole; without it OUT is refused; the adapter names the final backbone")
  func overwriteReplacesTheWholeDirectory() throws {
    let session = try Self.finishedSession()
    let parent = ContinualPipelineTests.tempDir()
    let out = parent.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try Data("mine".utf8).write(to: out.appendingPathComponent("mine.txt"))
    #expect(throws: LorascopeError.self) { try session.exportStageDirectory(1, to: out, overwrite: false) }
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("mine.txt").path))

    try session.exportStageDirectory(1, to: out, overwrite: true)
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("mine.txt").path), "--overwrite merged into OUT")
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("backbone/model.safetensors").path))
    let adapterConfig = try String(contentsOf: out.appendingPathComponent("adapter/adapter_config.json"), encoding: .utf8)
    #expect(adapterConfig.contains(out.appendingPathComponent("backbone").path) && !adapterConfig.contains(".tmp-"), "\(adapterConfig)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["out"], "a temporary sibling was left")
  }

  @Test("a symbolic link at OUT is replaced, its target untouched; a failed export leaves OUT as it was")
  func symlinkAndFailure() throws {
    let session = try Self.finishedSession()
    let parent = ContinualPipelineTests.tempDir()
    let target = parent.appendingPathComponent("target")
    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: target.appendingPathComponent("README.md"))
    let out = parent.appendingPathComponent("out")
    try FileManager.default.createSymbolicLink(at: out, withDestinationURL: target)
    try session.exportStageDirectory(1, to: out, overwrite: true)
    #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["README.md"])
    #expect(try String(contentsOf: target.appendingPathComponent("README.md"), encoding: .utf8) == "keep")
    let attributes = try FileManager.default.attributesOfItem(atPath: out.path)
    #expect(attributes[.type] as? FileAttributeType == .typeDirectory)

    // Stage 9 does not exist: the export fails and the OUT just written is left whole.
    let before = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    #expect(throws: LorascopeError.self) { try session.exportStageDirectory(9, to: out, overwrite: true) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == before)
    #expect(Set(try FileManager.default.contentsOfDirectory(atPath: parent.path)) == ["out", "target"])
  }
}
