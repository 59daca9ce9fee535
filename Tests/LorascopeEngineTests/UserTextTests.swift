import Foundation
import Testing

/// User-facing text says "caution", never "warning": a line with "warning:" reads as a compiler
/// warning to CI's check and to tools that scan output, and "no warnings" looks like one to a grep.
@Suite("User-facing text")
struct UserTextTests {
  @Test("no string literal in Sources contains the word warning")
  func noWarningInStringLiterals() throws {
    let root = SectionReferenceChecker.repositoryRoot.appendingPathComponent("Sources")
    let interpolation = try Regex(#"\\\([^()]*(\([^()]*\)[^()]*)*\)"#)
    let literal = try Regex(#""([^"\\]|\\.)*""#)
    var hits: [String] = []
    let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
    for file in files {
      let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
      for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let code = line.trimmingCharacters(in: .whitespaces)
        guard !code.hasPrefix("//") else { continue }
        let plain = code.replacing(interpolation, with: "")
        for match in plain.matches(of: literal) where plain[match.range].lowercased().contains("warning") {
          hits.append("\(file):\(number + 1): \(plain[match.range])")
        }
      }
    }
    #expect(hits.isEmpty, "\(hits.joined(separator: "\n"))")
  }
}
