import Foundation

/// Per-example gradient files in the layout of `lorascope spectrum --dump` and
/// Scripts/export_gradients.py: a 2-D `G` [rows, p] (F32 or F64), `module_offsets` [M + 1] and
/// the metadata `modules`, a JSON list of the M module names. Several files (one per torchrun
/// rank) are the rows of one G, in the order given. Only headers are read here; the streamed
/// spectrum reads G one module block at a time (StreamedSpectrumSolver.swift).
public final class GradientFiles: @unchecked Sendable {
  public let files: [MappedSafetensors]
  public let modules: [String]
  public let offsets: [Int]
  /// Total rows n over all files.
  public let rows: Int
  public var parameterCount: Int { offsets.last ?? 0 }
  /// Bytes of G over all files.
  public let gradientBytes: Int

  public init(paths: [String]) throws {
    guard !paths.isEmpty else { throw LorascopeError.usage("no gradient files given") }
    var files: [MappedSafetensors] = []
    var modules: [String]? = nil
    var offsets: [Int]? = nil
    var rows = 0
    var bytes = 0
    for path in paths {
      let file = try MappedSafetensors(path: path)
      func fail(_ why: String) -> LorascopeError { .invalidFile(path: path, reason: why) }
      let g = try file.info("G")
      guard g.shape.count == 2, g.dtype == .F32 || g.dtype == .F64 else {
        throw fail("tensor \"G\" is \(g.dtype.rawValue) \(g.shape), not a 2-D F32 or F64 matrix [examples, parameters]")
      }
      let fileOffsets = try file.integers("module_offsets")
      guard let text = file.metadata["modules"], let parsed = try? JSONParser.parse(Array(text.utf8)),
        let names = parsed.arrayValue?.compactMap(\.stringValue), names.count == parsed.arrayValue?.count
      else { throw fail("metadata \"modules\" is missing or not a JSON list of module names") }
      // With no module there is no column block to take a spectrum of (and `selection` [0] would
      // index past `offsets`).
      guard !names.isEmpty, g.shape[1] > 0 else {
        throw fail("G is \(g.shape) with metadata \"modules\" \(names): the file holds no module's gradients")
      }
      guard fileOffsets.count == names.count + 1, fileOffsets.first == 0,
        zip(fileOffsets, fileOffsets.dropFirst()).allSatisfy({ $0 < $1 }), fileOffsets.last == g.shape[1]
      else {
        throw fail("tensor \"module_offsets\" \(fileOffsets.prefix(8))… does not split G's \(g.shape[1]) columns into the \(names.count) modules")
      }
      if let modules, let offsets {
        guard names == modules, fileOffsets == offsets else {
          throw fail("its modules or module_offsets differ from those of \(paths[0]): not rows of the same gradients")
        }
      }
      modules = names
      offsets = fileOffsets
      // Headers are outside bytes: row counts near Int.max must not trap when added up.
      let (moreRows, rowsOverflow) = rows.addingReportingOverflow(g.shape[0])
      let (moreBytes, bytesOverflow) = bytes.addingReportingOverflow(g.fileEnd - g.fileBegin)
      guard !rowsOverflow, !bytesOverflow else {
        throw fail("its \(g.shape[0]) rows of G added to the \(rows) rows before it overflow a 64-bit count")
      }
      rows = moreRows
      bytes = moreBytes
      files.append(file)
    }
    self.files = files
    self.modules = modules ?? []
    self.offsets = offsets ?? [0]
    self.rows = rows
    self.gradientBytes = bytes
  }

  /// The index of a module by name, or an error listing a few names.
  public func index(of module: String) throws -> Int {
    guard let i = modules.firstIndex(of: module) else {
      throw LorascopeError.invalidFile(
        path: files[0].path, reason: "no module \"\(module)\" in the gradients (modules are named like \(modules.prefix(2).joined(separator: ", ")))")
    }
    return i
  }

  /// Reads module g's block, rows × m_g row-major, from every file into `out`.
  func readBlock(_ g: Int, into out: UnsafeMutableBufferPointer<Double>, scratch: inout [UInt8]) throws {
    let columns = offsets[g]..<offsets[g + 1]
    var row = 0
    for file in files {
      let count = try file.info("G").shape[0]
      let part = UnsafeMutableBufferPointer(rebasing: out[(row * columns.count)..<((row + count) * columns.count)])
      try file.readColumns("G", columns: columns, into: part, scratch: &scratch)
      row += count
    }
  }
}
