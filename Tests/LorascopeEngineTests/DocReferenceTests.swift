import Foundation
import Testing

/// Every `§` reference in the repository names a heading that exists, and every cited
/// `Name.swift` a file that exists, so a reader can follow each one without leaving the
/// repository (Docs/Architecture.md "Assets"). The check reads the repository found from this
/// file's path.
struct DocReferenceTests {
  @Test func everySectionReferenceInTheRepositoryResolves() throws {
    let checker = SectionReferenceChecker(root: SectionReferenceChecker.repositoryRoot)
    let problems = try checker.checkRepository()
    #expect(problems.isEmpty, "\(problems.count) unresolved § references:\n\(problems.joined(separator: "\n"))")
    // Guard against a scan that silently reads nothing.
    #expect(try checker.scannedFiles().count > 100)
  }

  /// Every `Name.swift` the repository's text cites (docs, README, comments) is a file of the
  /// repository, so a reader who looks for it finds it.
  @Test func everyCitedSwiftFileExists() throws {
    let checker = SectionReferenceChecker(root: SectionReferenceChecker.repositoryRoot)
    let existing = try checker.swiftFileNames()
    #expect(existing.count > 100)
    var problems: [String] = []
    for path in try checker.scannedFiles() {
      guard let text = try? String(contentsOf: checker.root.appendingPathComponent(path), encoding: .utf8) else { continue }
      problems += SectionReferenceChecker.missingSwiftFiles(inText: text, path: path, existing: existing)
    }
    #expect(problems.isEmpty, "\(problems.count) cited .swift files do not exist:\n\(problems.joined(separator: "\n"))")
  }

  @Test func aMadeUpSwiftFileIsReported() {
    let existing: Set<String> = ["GradientFiles.swift", "ContinualSession+Analysis.swift"]
    let good = "/// Streamed (Spectrum/GradientFiles.swift; Training/ContinualSession+Analysis.swift), CSV.swift, Tests/X.swift."
    #expect(SectionReferenceChecker.missingSwiftFiles(inText: good, path: "Sources/X.swift", existing: existing).isEmpty)
    let madeUp = "/// See StreamedSpectrumSolver.swift and\n/// `Spectrum/NoSuchSolver.swift`."
    let found = SectionReferenceChecker.missingSwiftFiles(inText: madeUp, path: "Docs/Y.md", existing: existing)
    #expect(found == [
      "Docs/Y.md:1: StreamedSpectrumSolver.swift is not a file of the repository",
      "Docs/Y.md:2: NoSuchSolver.swift is not a file of the repository",
    ])
  }

  /// The repository names no folder beside itself (the team's old shared folder least of all):
  /// a clone alone must have everything it reads or cites.
  @Test func nothingNamesAFolderOutsideTheRepository() throws {
    let checker = SectionReferenceChecker(root: SectionReferenceChecker.repositoryRoot)
    let outside = try Regex(#"(\.\./|/work/)shared\b"#)
    var found: [String] = []
    for path in try checker.scannedFiles() {
      guard let text = try? String(contentsOf: checker.root.appendingPathComponent(path), encoding: .utf8) else { continue }
      for match in text.matches(of: outside) {
        let line = text[..<match.range.lowerBound].filter { $0 == "\n" }.count + 1
        found.append("\(path):\(line)")
      }
    }
    #expect(found.isEmpty, "paths outside the repository at \(found.joined(separator: ", "))")
  }

  @Test func headingsAreReadInEachDocumentsOwnNumbering() {
    let markdown = """
      # Title
      ## 3. Curvature, metric and the interpolation weights
      ### 4.3 How an example is built
      ## Part IV — Curvature
      ### §21 The quadratic model
      ## A. Appendix: the paper's released code
      ### B.2 ncurses pitfalls
      ```sh
      # 7 a shell comment in a code block is not a heading
      ```
      """
    #expect(SectionReferenceChecker.sectionIDs(inMarkdown: markdown) == ["3", "4.3", "21", "A", "B.2"])
  }

  @Test func aDanglingReferenceIsReported() throws {
    let checker = SectionReferenceChecker(
      root: SectionReferenceChecker.repositoryRoot,
      documents: ["Docs/Design.md": ["1", "4", "4.3", "B.2"], "Docs/Math.md": ["21", "25"]])
    let good = "/// The metric (Docs/Design.md §4, §4.3 and Docs/Math.md §21–§25; Design.md §B.2 pitfall 9)."
    #expect(checker.problems(inText: good, path: "Sources/X.swift").isEmpty)

    let dangling = "/// See Docs/Design.md §42 and Docs/Math.md §99."
    let found = checker.problems(inText: dangling, path: "Sources/X.swift")
    #expect(found.count == 2)
    #expect(found.first?.contains("Docs/Design.md has no section 42") == true)

    let unnamed = "/// Users with at least 3 current items (§4)."
    #expect(checker.problems(inText: unnamed, path: "Sources/X.swift").first?.contains("names no document") == true)
    // Inside a document a bare § means the document itself.
    #expect(checker.problems(inText: "as in §25.", path: "Docs/Math.md").isEmpty)
    #expect(checker.problems(inText: "as in §26.", path: "Docs/Math.md").count == 1)
    // "§12 of Docs/Math.md" names its document after the number.
    #expect(checker.problems(inText: "(one backward, §21 of Docs/Math.md)", path: "Docs/Reproduce.md").isEmpty)
    // A reference into a document outside the repository is dangling, however it is written.
    #expect(checker.problems(inText: "(../elsewhere/NOTES.md §3)", path: "Sources/X.swift").count == 1)
    // Standards are cited by their own numbering.
    #expect(checker.problems(inText: "JSON escaping (RFC 8259 §7)", path: "Sources/X.swift").isEmpty)
  }
}

/// Finds `§` references in text and checks them against the headings of the documents they name.
///
/// A reference is `§` followed by a section id: digits with dots ("4", "4.3", "21") or a capital
/// letter with dots ("A", "B.2"). It belongs to the document named right after it ("§12 of
/// Docs/Math.md"), else to the nearest `.md` file named before it in the same paragraph within
/// 80 characters ("Docs/Design.md §4, §6"), else — inside a Markdown document — to that
/// document itself; "RFC N §M" cites a standard and is skipped. Any other `§` names no document
/// and is reported. A document's sections are its headings that start with a section id,
/// with or without a `§` ("## 3. Curvature", "### 4.3 How…", "### §21 The…", "## A. Appendix").
struct SectionReferenceChecker {
  let root: URL
  /// Section ids per document path relative to `root`; read from disk when absent.
  var documents: [String: Set<String>]

  init(root: URL, documents: [String: Set<String>] = [:]) {
    self.root = root
    self.documents = documents
  }

  /// The repository: Tests/LorascopeEngineTests/DocReferenceTests.swift → three folders up.
  static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// Folders and files whose text is checked.
  static let scannedRoots = ["Sources", "Tests", "Scripts", "Docs", "Assets", "Fuzz", "README.md", "Package.swift", ".ci"]
  /// Text files by extension (plus extensionless scripts such as `.ci/run`).
  static let textExtensions: Set<String> = ["swift", "md", "py", "sh", "h", "c", "modulemap", "txt", ""]
  /// Not scanned: the dataset (large JSON with no prose) and the deliberately dangling examples
  /// of this file and of FolderListTests.swift.
  static let skippedPaths = [
    "Assets/Data/", "Tests/LorascopeEngineTests/DocReferenceTests.swift", "Tests/LorascopeEngineTests/FolderListTests.swift",
  ]

  static let sectionID = #"[0-9]+(?:\.[0-9]+)*|[A-Z](?:\.[0-9]+)*"#

  /// `.swift` names that are cited but are not files here on purpose: the yaslab/CSV.swift
  /// package, and `X.swift`, the placeholder for "any file" (Docs/Math.md's abbreviations).
  static let citedNonFiles: Set<String> = ["CSV.swift", "X.swift"]

  /// The file names (not paths) of every `.swift` file under the repository's folders,
  /// skipped ones included (this file is cited too).
  func swiftFileNames() throws -> Set<String> {
    var names: Set<String> = []
    for entry in Self.scannedRoots {
      let url = root.appendingPathComponent(entry)
      if entry.hasSuffix(".swift") {
        if FileManager.default.fileExists(atPath: url.path) { names.insert(entry) }
        continue
      }
      let walker = FileManager.default.enumerator(atPath: url.path)
      while let relative = walker?.nextObject() as? String {
        if relative.hasSuffix(".swift") { names.insert((relative as NSString).lastPathComponent) }
      }
    }
    return names
  }

  /// The `Name.swift` citations of `text` (read from `path`) that name no file in `existing`,
  /// as "path:line: message". A citation may carry folders ("Spectrum/GradientFiles.swift");
  /// only its file name is looked up, since files are unique by name in this repository.
  static func missingSwiftFiles(inText text: String, path: String, existing: Set<String>) -> [String] {
    citedSwiftFiles(inText: text)
      .filter { !existing.contains($0.name) && !citedNonFiles.contains($0.name) }
      .map { "\(path):\($0.line): \($0.name) is not a file of the repository" }
  }

  /// Every `Name.swift` of `text` with its line, folders dropped ("Spectrum/GradientFiles.swift"
  /// gives "GradientFiles.swift"). Foundation's regular expressions, since Swift's `Regex` has no
  /// lookbehind.
  static func citedSwiftFiles(inText text: String) -> [(name: String, line: Int)] {
    let citation = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_+\-])([A-Za-z0-9_+\-]+\.swift)(?![A-Za-z0-9_])"#)  // a constant pattern
    let whole = NSRange(text.startIndex..., in: text)
    return citation.matches(in: text, range: whole).compactMap { match in
      guard let range = Range(match.range(at: 1), in: text) else { return nil }
      let line = text[..<range.lowerBound].filter { $0 == "\n" }.count + 1
      return (String(text[range]), line)
    }
  }

  /// The relative paths of every scanned file, sorted.
  func scannedFiles() throws -> [String] {
    var result: [String] = []
    let manager = FileManager.default
    for entry in Self.scannedRoots {
      let url = root.appendingPathComponent(entry)
      var isDirectory: ObjCBool = false
      guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
      if !isDirectory.boolValue {
        result.append(entry)
        continue
      }
      let walker = manager.enumerator(atPath: url.path)
      while let relative = walker?.nextObject() as? String {
        let path = entry + "/" + relative
        var isSubdirectory: ObjCBool = false
        _ = manager.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isSubdirectory)
        guard !isSubdirectory.boolValue else { continue }
        guard !Self.skippedPaths.contains(where: { path.hasPrefix($0) }) else { continue }
        guard Self.textExtensions.contains((path as NSString).pathExtension) else { continue }
        result.append(path)
      }
    }
    return result.sorted()
  }

  /// Every unresolved reference in the repository, as "path:line: message".
  func checkRepository() throws -> [String] {
    var checker = self
    let files = try scannedFiles()
    for path in files where path.hasSuffix(".md") && checker.documents[path] == nil {
      checker.documents[path] = Self.sectionIDs(inMarkdown: (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? "")
    }
    var problems: [String] = []
    for path in files {
      guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path),
        let text = String(data: data, encoding: .utf8), text.contains("§")
      else { continue }
      problems += checker.problems(inText: text, path: path)
    }
    return problems
  }

  /// The unresolved references of `text`, which was read from `path`.
  func problems(inText text: String, path: String) -> [String] {
    var problems: [String] = []
    let reference = try! Regex("§(" + Self.sectionID + ")")  // a constant pattern: it compiles
    var covered: [Range<String.Index>] = []
    for match in text.matches(of: reference) {
      covered.append(match.range)
      guard let idRange = match.output[1].range else { continue }
      let id = String(text[idRange])
      let line = text[..<match.range.lowerBound].filter { $0 == "\n" }.count + 1
      if Self.citesStandard(text, before: match.range.lowerBound) { continue }
      guard let document = Self.document(for: match.range, in: text, path: path) else {
        problems.append("\(path):\(line): §\(id) names no document (write e.g. Docs/Design.md §\(id))")
        continue
      }
      guard let resolved = resolve(document: document, from: path) else {
        problems.append("\(path):\(line): §\(id) cites \(document), which is not in the repository")
        continue
      }
      if !sections(of: resolved).contains(id) {
        problems.append("\(path):\(line): \(resolved) has no section \(id) (cited as §\(id))")
      }
    }
    // A § that does not start a section id is a broken reference too.
    var index = text.startIndex
    while let sign = text[index...].firstIndex(of: "§") {
      if !covered.contains(where: { $0.lowerBound == sign }) {
        let line = text[..<sign].filter { $0 == "\n" }.count + 1
        problems.append("\(path):\(line): a § that is not followed by a section number")
      }
      index = text.index(after: sign)
    }
    return problems
  }

  /// "RFC 8259 §7" and the like.
  static func citesStandard(_ text: String, before position: String.Index) -> Bool {
    let start = text.index(position, offsetBy: -16, limitedBy: text.startIndex) ?? text.startIndex
    return text[start..<position].contains(try! Regex(#"RFC [0-9]+ $"#))  // a constant pattern
  }

  /// The document a reference belongs to, as written ("Docs/Math.md", "Design.md"), or nil.
  static func document(for range: Range<String.Index>, in text: String, path: String) -> String? {
    let markdownFile = #"[A-Za-z0-9_./-]*[A-Za-z0-9_-]+\.md"#
    // "§12 of Docs/Math.md"
    let after = text[range.upperBound...].prefix(40)
    if let named = after.firstMatch(of: try! Regex("^ of (" + markdownFile + ")")),  // a constant pattern
      let file = named.output[1].substring
    {
      return String(file)
    }
    // "Docs/Design.md §4, §6": the nearest .md before it, in the same paragraph.
    let start = text.index(range.lowerBound, offsetBy: -80, limitedBy: text.startIndex) ?? text.startIndex
    var before = text[start..<range.lowerBound]
    if let paragraph = before.range(of: "\n\n", options: .backwards) { before = before[paragraph.upperBound...] }
    if let last = before.matches(of: try! Regex(markdownFile)).last {  // a constant pattern
      return String(before[last.range])
    }
    return path.hasSuffix(".md") ? path : nil
  }

  /// The repository-relative path of a cited document, if it is a file of the repository.
  func resolve(document: String, from path: String) -> String? {
    guard !document.contains("..") else { return nil }
    let candidates =
      document.contains("/") ? [document] : [(path as NSString).deletingLastPathComponent + "/" + document, "Docs/" + document, document]
    return candidates.first { documents[$0] != nil || FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
  }

  /// The section ids of the document at `path` (preloaded by `checkRepository`).
  func sections(of path: String) -> Set<String> {
    if let known = documents[path] { return known }
    let text = (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
    return Self.sectionIDs(inMarkdown: text)
  }

  /// The section ids of a Markdown text's headings (outside fenced code blocks).
  static func sectionIDs(inMarkdown text: String) -> Set<String> {
    let heading = try! Regex(#"^#+\s+§?("# + sectionID + #")(?:[.\s]|$)"#)  // a constant pattern
    var ids: Set<String> = []
    var inCode = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("```") { inCode.toggle() }
      guard !inCode, let match = line.firstMatch(of: heading), let id = match.output[1].substring else { continue }
      ids.insert(String(id))
    }
    return ids
  }
}
