import Foundation
import Testing

/// Docs/Architecture.md "Folders" is where a newcomer starts, so it names every folder and every
/// `.swift` file under Sources/, and every `.swift` file it names exists. The repository is found
/// as DocReferenceTests finds it.
struct FolderListTests {
  @Test func theFolderListNamesEverySourceFileAndFolder() throws {
    let root = SectionReferenceChecker.repositoryRoot
    let architecture = try String(contentsOf: root.appendingPathComponent("Docs/Architecture.md"), encoding: .utf8)
    let section = try #require(FolderListChecker.section(named: "Folders", inMarkdown: architecture))
    var files: [String] = []
    var folders: [String] = []
    var existing: Set<String> = ["Package.swift"]
    let walker = FileManager.default.enumerator(atPath: root.appendingPathComponent("Sources").path)
    while let relative = walker?.nextObject() as? String {
      let path = "Sources/" + relative
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
      if isDirectory.boolValue {
        folders.append(path)
      } else if path.hasSuffix(".swift") {
        files.append(path)
      }
    }
    for top in ["Sources", "Tests", "Assets"] {
      let all = FileManager.default.enumerator(atPath: root.appendingPathComponent(top).path)
      while let relative = all?.nextObject() as? String {
        if relative.hasSuffix(".swift") { existing.insert((relative as NSString).lastPathComponent) }
      }
    }
    #expect(files.count > 100 && folders.count > 20, "the walk of Sources/ read too little")
    let problems = FolderListChecker.problems(section: section, files: files, folders: folders, existing: existing)
    #expect(problems.isEmpty, "Docs/Architecture.md \"Folders\":\n\(problems.joined(separator: "\n"))")
  }

  @Test func aFileOrFolderLeftOutIsReported() {
    let section = """
      Sources/
        Engine/
          Spectrum/     ProximalMetric, TheoryCheck (+Directions), Gone.swift
      """
    let files = [
      "Sources/Engine/Spectrum/ProximalMetric.swift", "Sources/Engine/Spectrum/TheoryCheck.swift",
      "Sources/Engine/Spectrum/TheoryCheck+Directions.swift", "Sources/Engine/Spectrum/TheoryCheck+Agreement.swift",
      "Sources/Engine/Spectrum/Metric.swift", "Sources/Engine/IO/AtomicFile.swift",
    ]
    let folders = ["Sources/Engine", "Sources/Engine/Spectrum", "Sources/Engine/IO"]
    let existing = Set(files.map { ($0 as NSString).lastPathComponent })
    let found = FolderListChecker.problems(section: section, files: files, folders: folders, existing: existing)
    #expect(
      found == [
        "Sources/Engine/Spectrum/TheoryCheck+Agreement.swift is not named",
        "Sources/Engine/Spectrum/Metric.swift is not named",
        "Sources/Engine/IO/AtomicFile.swift is not named",
        "folder Sources/Engine/IO/ is not named",
        "Gone.swift is named but does not exist",
      ])
  }

  @Test func theSectionEndsAtTheNextHeadingOfItsLevel() {
    let markdown = "# A\n## Folders\ntext\n### Sub\nmore\n## Next\nafter\n"
    #expect(FolderListChecker.section(named: "Folders", inMarkdown: markdown) == "text\n### Sub\nmore\n")
  }
}

/// Checks a "Folders" list against the tree. A file is named when its name without `.swift`
/// appears as a whole word ("ProximalMetric", not "JointProximalMetric"); an extension file
/// `Type+Part.swift` is also named by "Type" together with "+Part" ("TheoryCheck (+Directions)").
/// A folder is named by its last component with a slash ("Spectrum/", "App/Race/").
enum FolderListChecker {
  /// The text under the `## name` heading, up to the next heading of level 1 or 2.
  static func section(named name: String, inMarkdown text: String) -> String? {
    guard let start = text.range(of: "\n## " + name + "\n") else { return nil }
    let rest = text[start.upperBound...]
    var end = rest.endIndex
    var index = rest.startIndex
    while let newline = rest[index...].firstIndex(of: "\n") {
      let line = rest[rest.index(after: newline)...]
      if line.hasPrefix("# ") || line.hasPrefix("## ") {
        end = rest.index(after: newline)
        break
      }
      index = rest.index(after: newline)
    }
    return String(rest[..<end])
  }

  /// What the list leaves out or names wrongly: files (paths), then folders, then named `.swift`
  /// files that are not in `existing` (file names).
  static func problems(section: String, files: [String], folders: [String], existing: Set<String>) -> [String] {
    var problems: [String] = []
    for path in files {
      let stem = String((path as NSString).lastPathComponent.dropLast(".swift".count))
      if containsWord(stem, in: section) { continue }
      if let plus = stem.firstIndex(of: "+") {
        let base = String(stem[..<plus])
        let part = String(stem[stem.index(after: plus)...])
        if containsWord(base, in: section), matches("\\+\\s*" + escaped(part) + "(?![A-Za-z0-9_])", in: section) { continue }
      }
      problems.append("\(path) is not named")
    }
    for folder in folders {
      let name = (folder as NSString).lastPathComponent
      if !matches("(?<![A-Za-z0-9_])" + escaped(name) + "/", in: section) {
        problems.append("folder \(folder)/ is not named")
      }
    }
    for (name, _) in SectionReferenceChecker.citedSwiftFiles(inText: section)
    where !existing.contains(name) && !SectionReferenceChecker.citedNonFiles.contains(name) {
      problems.append("\(name) is named but does not exist")
    }
    return problems
  }

  static func containsWord(_ word: String, in text: String) -> Bool {
    matches("(?<![A-Za-z0-9_+])" + escaped(word) + "(?![A-Za-z0-9_])", in: text)
  }

  static func escaped(_ literal: String) -> String {
    NSRegularExpression.escapedPattern(for: literal)
  }

  /// Whether `pattern` matches somewhere in `text` (Foundation's regular expressions: Swift's
  /// `Regex` has no lookbehind).
  static func matches(_ pattern: String, in text: String) -> Bool {
    let expression = try! NSRegularExpression(pattern: pattern)  // escaped literals and constant patterns: it compiles
    return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
  }
}
