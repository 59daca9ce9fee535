import Foundation
import Testing

/// λ_eff = λ/|L| and w = ρ/(ρ + λ_eff) are computed in `ProximalStrength` alone (Docs/Design.md
/// §2, §3): a second copy of either formula is how the normalization drifted between the screen,
/// `inspect` and `spectrum --gradients` before. The check reads the sources of the repository
/// found from this file's path, as `DocReferenceTests` does.
struct ProximalStrengthSourceTests {
  /// Spellings of the two formulas outside their home.
  static let patterns = [#"/\s*Double\(\s*[A-Za-z_.]*[aA]daptedLinears"#, #"rho\s*/\s*\(\s*rho\s*\+"#, #"ρ\s*/\s*\(\s*ρ\s*\+"#]

  static func offenders(in text: String, path: String) throws -> [String] {
    var found: [String] = []
    for pattern in patterns {
      for match in text.matches(of: try Regex(pattern)) {
        let line = text[..<match.range.lowerBound].filter { $0 == "\n" }.count + 1
        let lineText = text.split(separator: "\n", omittingEmptySubsequences: false)[line - 1]
        // Prose in comments may state the formula; code may not.
        if lineText.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
        found.append("\(path):\(line)")
      }
    }
    return found
  }

  @Test func lambdaEffAndWeightAreComputedOnlyInProximalStrength() throws {
    let root = SectionReferenceChecker.repositoryRoot.appendingPathComponent("Sources")
    let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
      .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
    #expect(files.count > 100, "the scan read \(files.count) source files")
    var found: [String] = []
    for url in files where url.lastPathComponent != "ProximalStrength.swift" {
      found += try Self.offenders(in: String(contentsOf: url, encoding: .utf8), path: url.lastPathComponent)
    }
    #expect(found.isEmpty, "λ_eff or w computed by hand at \(found.joined(separator: ", ")); use ProximalStrength")
  }

  @Test func theCheckCatchesBothFormulas() throws {
    let code = """
      let eff = lambda / Double(layout.adaptedLinears)
      /// w = rho / (rho + λ_eff) in a comment is fine
      let w = rho / (rho + eff)
      """
    #expect(try Self.offenders(in: code, path: "X.swift") == ["X.swift:1", "X.swift:3"])
  }
}
