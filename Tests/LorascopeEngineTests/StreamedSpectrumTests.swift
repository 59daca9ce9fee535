import Foundation
import Testing

@testable import LorascopeEngine

/// The streamed spectrum (gradient files read one module at a time) against the in-memory
/// low-rank path on the same G (issue 13; Docs/Design.md §3).
@Suite struct StreamedSpectrumTests {
  static let widths = [24, 10, 36]
  static let names = ["m.q.A", "m.q.B", "m.up.A"]

  /// G (n × p, values exactly representable in float32) and one anchor per module.
  static func problem(n: Int) -> (g: [Double], anchors: [[Float]]) {
    var rng = SeededRNG(seed: 5)
    let p = widths.reduce(0, +)
    let g = (0..<(n * p)).map { _ in Double(Float(rng.nextNormal())) }
    let anchors = widths.map { m in (0..<m).map { _ in Float(0.5 * rng.nextNormal()) } }
    return (g, anchors)
  }

  /// Writes rows `rows` of G as an F32 gradient file in the export_gradients.py layout.
  static func write(_ g: [Double], p: Int, rows: Range<Int>, to url: URL, names: [String] = names) throws {
    let values = rows.flatMap { i in (0..<p).map { Float(g[i * p + $0]) } }
    var offsets = [0]
    for w in widths { offsets.append(offsets.last! + w) }
    let list = "[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    try SafetensorsFile(
      tensors: [
        try SafetensorsTensor(name: "G", floats: values, shape: [rows.count, p]),
        try SafetensorsTensor(name: "module_offsets", int64s: offsets.map(Int64.init), shape: [offsets.count]),
      ], metadata: ["format": "pt", "modules": list]
    ).write(to: url)
  }

  @Test func streamedEqualsInMemoryLowRankForOneModuleAndJointly() throws {
    let n = 9
    let p = Self.widths.reduce(0, +)
    let (g, anchors) = Self.problem(n: n)
    let dir = try ImportFixtures.temporaryDirectory("streamed")
    defer { try? FileManager.default.removeItem(at: dir) }
    let first = dir.appendingPathComponent("rank0.safetensors")
    let second = dir.appendingPathComponent("rank1.safetensors")
    try Self.write(g, p: p, rows: 0..<4, to: first)
    try Self.write(g, p: p, rows: 4..<n, to: second)
    let files = try GradientFiles(paths: [first.path, second.path])
    #expect(files.rows == n && files.parameterCount == p && files.gradientBytes == n * p * 4)
    let anchor: (String) throws -> [Float] = { anchors[Self.names.firstIndex(of: $0)!] }

    let metrics = anchors.map { ProximalMetric.softmaxKL(anchorLogits: $0.map(Double.init)) }
    let joint = try StreamedSpectrumSolver.solve(gradients: files, selection: [0, 1, 2], anchorLogits: anchor)
    let reference = try LowRankSpectrumSolver.solve(G: g, n: n, p: p, metric: JointProximalMetric(modules: metrics))
    Self.expectClose(joint, reference)

    let single = try StreamedSpectrumSolver.solve(gradients: files, selection: [2], anchorLogits: anchor)
    let columns = (0..<n).flatMap { i in (34..<p).map { g[i * p + $0] } }
    let singleReference = try LowRankSpectrumSolver.solve(G: columns, n: n, p: 36, metric: metrics[2])
    Self.expectClose(single, singleReference)
    #expect(single.dimension == 36)
  }

  static func expectClose(_ a: GeneralizedSpectrum, _ b: GeneralizedSpectrum) {
    #expect(a.rho.count == b.rho.count && a.shiftRho.count == b.shiftRho.count && a.gaugeCount == b.gaugeCount)
    let scale = max(b.rho.max() ?? 0, b.shiftRho.max() ?? 0)
    for (x, y) in zip(a.rho + a.shiftRho, b.rho + b.shiftRho) { #expect(abs(x - y) <= 1e-10 * scale) }
    #expect(a.eps == b.eps)
  }

  @Test func gradientFilesOfDifferentModulesAreRefused() throws {
    let n = 4
    let p = Self.widths.reduce(0, +)
    let (g, anchors) = Self.problem(n: n)
    let dir = try ImportFixtures.temporaryDirectory("mismatch")
    defer { try? FileManager.default.removeItem(at: dir) }
    let a = dir.appendingPathComponent("a.safetensors")
    let b = dir.appendingPathComponent("b.safetensors")
    try Self.write(g, p: p, rows: 0..<2, to: a)
    try Self.write(g, p: p, rows: 2..<4, to: b, names: ["x", "y", "z"])
    let error = try #require(throws: LorascopeError.self) { try GradientFiles(paths: [a.path, b.path]) }
    #expect(error.description.contains(b.path) && error.description.contains("not rows of the same gradients"))

    let files = try GradientFiles(paths: [a.path])
    let wrong = try #require(throws: LorascopeError.self) {
      try StreamedSpectrumSolver.solve(gradients: files, selection: [0], anchorLogits: { _ in anchors[1] })
    }
    #expect(wrong.description.contains("m.q.A") && wrong.description.contains("24 gradient columns"))
  }
}
