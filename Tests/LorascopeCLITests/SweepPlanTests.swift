import ArgumentParser
import Foundation
import LorascopeEngine
import Testing

@testable import lorascope

/// `sweep` over methods × λ × seeds, `--plan`, `--collect` (Docs/Reproduce.md, "Sweeps on a cluster";
/// Docs/Statistics.md, "Sweeps: every arm against single"), on tiny synthetic settings.
@Suite("Sweep plans and collection", .serialized)
struct SweepPlanTests {
  static func tempDir() -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-sweep-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
  }

  /// The built `lorascope` next to the test bundle (swift build puts both in .build/<config>/).
  static func builtExecutable() throws -> URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = dir.appendingPathComponent("lorascope")
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
        return candidate
      }
      dir = dir.deletingLastPathComponent()
    }
    throw ValidationError("the lorascope executable was not found next to \(CommandLine.arguments[0]); run `swift build` first")
  }

  static func tinyArguments(cache: URL) -> [String] {
    ["--data", "synthetic", "--synthetic-users", "60", "--backbone-epochs", "1", "--epochs", "0.3",
     "--eval-users", "20", "--beam", "5", "--cache", cache.path]
  }

  @Test("the job list: methods × λ × seeds plus single and frozen, one run directory each; seeds and grid defaults")
  func jobList() throws {
    let cache = Self.tempDir()
    let sweep = try SweepCommand.parse(
      Self.tinyArguments(cache: cache) + ["--methods", "peso,l2", "--lambdas", "0,1e1:1e3:x10", "--seed-count", "3", "--run-dir", "/r"])
    let plan = try sweep.grid.jobs { Issue.record("the spectrum default was asked for though --lambdas was given"); return [] }
    // peso and l2 × 4 λ × 3 seeds, single and frozen × 3 seeds.
    #expect(plan.jobs.count == 2 * 4 * 3 + 2 * 3)
    #expect(Set(plan.jobs.compactMap(\.runDirectory)).count == plan.jobs.count)
    #expect(plan.jobs.contains { $0.runDirectory == "/r/peso/lambda_1000.0/seed_2" })
    #expect(plan.jobs.contains { $0.runDirectory == "/r/single/seed_0" && $0.lambda == 0 })
    // Every job line parses as `lorascope run` options and yields that job's method, λ and seed.
    for job in plan.jobs {
      let o = try RunOptions.parse(job.arguments)
      #expect(o.method == job.method && o.lambda == job.lambda && o.seed == job.seed && o.cacheURL?.path == cache.path)
    }
    // Defaults: the one --method (plus the baselines), PESO's grid from the spectrum, the one --seed.
    let plain = try SweepCommand.parse(["--seed", "7"]).grid.jobs { [0, 3, 4e4] }
    #expect(Set(plain.jobs.map(\.method)) == [.peso, .single, .frozen])
    #expect(plain.jobs.filter { $0.method == .peso }.map(\.lambda) == [0, 3, 4e4])
    let quadratic = try SweepCommand.parse(["--methods", "l2,ewc"]).grid.jobs { Issue.record("PESO's grid asked for l2"); return [] }
    #expect(quadratic.jobs.filter { $0.method == .ewc }.map(\.lambda) == LambdaGrid.quadraticDefault)
    #expect(Set(plain.jobs.map(\.seed)) == [7])
    // Each method's own grid overrides --lambdas for it (L2's λ has other units than PESO's).
    let own = try SweepCommand.parse(["--methods", "peso,l2,ewc", "--lambdas", "5", "--peso-lambdas", "1e3:1e5:x10", "--l2-lambdas", "1,100"])
      .grid.jobs { Issue.record("PESO's default asked for though --peso-lambdas was given"); return [] }
    #expect(own.jobs.filter { $0.method == .peso }.map(\.lambda) == [1e3, 1e4, 1e5])
    #expect(own.jobs.filter { $0.method == .l2 }.map(\.lambda) == [1, 100])
    #expect(own.jobs.filter { $0.method == .ewc }.map(\.lambda) == [5])
    for bad in [["--methods", "peso,nope"], ["--seeds", "0,x"], ["--seeds", "0", "--seed-count", "2"], ["--seed-count", "0"],
                ["--plan", "p.txt"], ["--lambdas", "1:0:x10"], ["--l2-lambdas", "-1"], ["--peso-lambdas", "x"]] {
      #expect(throws: (any Error).self, "\(bad)") { _ = try SweepCommand.parse(bad) }
    }
  }

  @Test("--peso-retained: PESO's λ are the first seed's predicted stage-1 λ for those fractions; other methods keep their grids")
  func pesoRetained() throws {
    let cache = Self.tempDir()
    for bad in [["--peso-retained", "0"], ["--peso-retained", "1"], ["--peso-retained", "0.5,x"], ["--peso-retained", "-0.2"],
                ["--peso-retained", "0.5", "--peso-lambdas", "1e3"]] {
      #expect(throws: (any Error).self, "\(bad)") { _ = try SweepCommand.parse(bad) }
    }
    // A stage of whole epochs: the tiny settings' 0.3 epochs take too few steps for a curve to fall.
    let sweep = try SweepCommand.parse(
      ["--data", "synthetic", "--synthetic-users", "120", "--backbone-epochs", "1", "--epochs", "1", "--eval-users", "20",
       "--beam", "5", "--cache", cache.path, "--methods", "peso,l2", "--lambdas", "5", "--peso-retained", "0.5,0.9"])
    var asked = 0
    let plan = try sweep.grid.jobs {
      asked += 1
      return [7, 70]
    }
    // --lambdas serves L2 only: PESO's grid comes from the prediction, asked for once.
    #expect(asked == 1)
    #expect(plan.jobs.filter { $0.method == .peso }.map(\.lambda) == [7, 70])
    #expect(plan.jobs.filter { $0.method == .l2 }.map(\.lambda) == [5])

    // The real grid: each λ is where seed 0's predicted stage-1 curve crosses its fraction.
    let options = sweep.grid.options
    let dataset = try options.loadDataset()
    let grid = try SweepArguments.predictedGrid(
      retained: [0.9, 0.5], options: options, seed: 0, dataset: dataset, progress: ProgressReporter(quiet: true))
    #expect(grid.count == 2 && grid[0] > 0 && grid[0] < grid[1], "\(grid)")
    var o = options
    o.method = .peso
    let session = try o.session(config: try o.runConfig(for: dataset), dataset: dataset, runDirectory: nil, resume: false)
    try session.finishCurrentStage { _ in }
    let curve = try session.predictLambdaCurve(stage: 1)
    for (lambda, target) in zip(grid, [0.5, 0.9].sorted(by: >)) {
      let kept = try #require(curve.retained(atLambda: lambda))
      #expect(abs(kept - target) < 1e-6, "λ \(lambda): retained \(kept), asked \(target)")
    }
  }

  @Test("study's defaults: peso and l2 against single and frozen, seeds 0…4, runs under OUT/runs; --plan writes their jobs")
  func studyDefaults() throws {
    let out = Self.tempDir()
    let study = try StudyCommand.parse(Self.tinyArguments(cache: Self.tempDir()) + ["--out", out.path, "--lambdas", "0,1e3"])
    let plan = try study.effectiveGrid.jobs { Issue.record("the spectrum default was asked for though --lambdas was given"); return [] }
    #expect(Set(plan.jobs.map(\.method)) == [.peso, .l2, .single, .frozen])
    #expect(Set(plan.jobs.map(\.seed)) == [0, 1, 2, 3, 4])
    #expect(plan.jobs.count == (2 * 2 + 2) * 5)
    #expect(plan.jobs.allSatisfy { $0.runDirectory?.hasPrefix(out.appendingPathComponent("runs").path) == true })
    #expect(study.effectiveGrid.concurrentRuns == Parallel.workers)
    #expect(try StudyCommand.parse(Self.tinyArguments(cache: Self.tempDir()) + ["--out", out.path, "--jobs", "1"]).effectiveGrid.concurrentRuns == 1)
    #expect(try SweepCommand.parse(Self.tinyArguments(cache: Self.tempDir())).grid.concurrentRuns == 1)
    let file = out.appendingPathComponent("jobs.txt")
    try StudyCommand.parse(Self.tinyArguments(cache: Self.tempDir()) + ["--out", out.path, "--lambdas", "1e3", "--seeds", "0,1", "--plan", file.path]).run()
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
    #expect(lines.count == (2 + 2) * 2)
  }

  @Test("--collect on a half-finished sweep names what it skipped and why; other settings and runs without config.json are listed, not fatal")
  func collectHalfFinished() throws {
    let cache = Self.tempDir()
    let root = Self.tempDir()
    let sweep = try SweepCommand.parse(
      Self.tinyArguments(cache: cache) + ["--methods", "peso", "--lambdas", "1e3", "--seeds", "0,1", "--run-dir", root.path])
    _ = try sweep.grid.runInProcess(
      try sweep.grid.jobs { [] }, dataset: try sweep.grid.options.loadDataset(), progress: ProgressReporter(quiet: true))

    // A stray run of other settings (another beam) and a directory without config.json.
    let stray = Self.tempDir().appendingPathComponent("stray")
    try FileManager.default.copyItem(at: root.appendingPathComponent("frozen/seed_0"), to: stray)
    let strayConfig = stray.appendingPathComponent("config.json")
    let text = try String(contentsOf: strayConfig, encoding: .utf8)
    let edited = text.replacingOccurrences(of: #""beamWidth" : 5"#, with: #""beamWidth" : 6"#)
    #expect(edited != text)
    try Data(edited.utf8).write(to: strayConfig)
    try FileManager.default.moveItem(at: stray, to: root.appendingPathComponent("stray"))
    let orphan = root.appendingPathComponent("orphan")
    try FileManager.default.copyItem(at: root.appendingPathComponent("frozen/seed_0"), to: orphan)
    try FileManager.default.removeItem(at: orphan.appendingPathComponent("config.json"))

    let (report, found) = try SweepArguments.collected(roots: [root.path], metric: .ndcg5)
    #expect(report.runs.count == 6)
    #expect(found.otherSettings.map(\.path) == [root.appendingPathComponent("stray").path], "\(found.otherSettings)")
    #expect(found.withoutConfig == [orphan.path], "\(found.withoutConfig)")

    // single of seed 1 unfinished: the error says so and lists it, instead of "single did not run".
    let single = root.appendingPathComponent("single/seed_1")
    var metrics = try #require(try RunDirectory.openForInspection(single).readMetrics())
    metrics.stages.removeLast()
    try AtomicFile.writeJSON(metrics, to: single.appendingPathComponent("metrics.json"))
    let error = try #require(throws: ValidationError.self) { _ = try SweepArguments.collected(roots: [root.path], metric: .ndcg5) }
    #expect(error.message.contains("no finished single run of that seed") && !error.message.contains("did not"), "\(error.message)")
    #expect(error.message.contains("skipped (unfinished): \(single.path)"), "\(error.message)")
    #expect(error.message.contains("skipped (other settings): \(root.appendingPathComponent("stray").path)"), "\(error.message)")
    #expect(error.message.contains("skipped (no config.json, so not collectable): \(orphan.path)"), "\(error.message)")
  }

  @Test("study --out FILE is refused before any run is planned or trained")
  func studyOutMustBeADirectory() throws {
    let dir = Self.tempDir()
    let file = dir.appendingPathComponent("results.txt")
    try Data("x".utf8).write(to: file)
    let plan = dir.appendingPathComponent("jobs.txt")
    let study = try StudyCommand.parse(
      Self.tinyArguments(cache: Self.tempDir()) + ["--out", file.path, "--lambdas", "1e3", "--seeds", "0", "--plan", plan.path])
    let error = try #require(throws: LorascopeError.self) { try study.run() }
    #expect(error.description.contains(file.path) && error.description.contains("not a directory"), "\(error)")
    #expect(!FileManager.default.fileExists(atPath: plan.path), "the study planned its runs before refusing --out")
  }

  @Test("PESO's default grid comes from the first seed's stage-1 spectrum: 0, the paper's grid, decades around ρ")
  func spectrumDefaultGrid() throws {
    let cache = Self.tempDir()
    let options = try RunOptions.parse(Self.tinyArguments(cache: cache))
    let dataset = try options.loadDataset()
    let grid = try SweepArguments.spectrumGrid(options: options, seed: 0, dataset: dataset, progress: ProgressReporter(quiet: true))
    #expect(grid.first == 0)
    #expect(LambdaGrid.paperGrid.allSatisfy(grid.contains))
    let decades = grid.filter { !($0 == 0 || LambdaGrid.paperGrid.contains($0)) }
    #expect(decades.count >= 7)
    for (a, b) in zip(decades, decades.dropFirst()) { #expect(abs(b / a - 10) < 1e-6) }
    // The backbone it trained is in the cache for the sweep.
    #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).contains { !$0.contains(".tmp-") })
  }

  @Test("--plan run by xargs -P 2, then --collect, equals the in-process sweep; unfinished and duplicate runs are skipped")
  func planExecuteCollect() throws {
    let executable = try Self.builtExecutable()
    let cache = Self.tempDir()
    let root = Self.tempDir()
    let grid = ["--methods", "peso", "--lambdas", "1e3", "--seeds", "0,1"]

    let inProcessRoot = root.appendingPathComponent("in-process")
    let inProcess = try SweepCommand.parse(Self.tinyArguments(cache: cache) + grid + ["--run-dir", inProcessRoot.path])
    let expected = try inProcess.grid.runInProcess(
      try inProcess.grid.jobs { [] }, dataset: try inProcess.grid.options.loadDataset(), progress: ProgressReporter(quiet: true))
    #expect(expected.runs.count == 6)
    #expect(expected.arms.count == 3)
    #expect(expected.arms.allSatisfy { $0.method == .single || $0.plasticityDifference != nil })

    // --jobs 2: the runs side by side in this process, each on one core, from a fresh cache (the
    // first run of each seed builds its backbone and stage 0 first): the same numbers bit for bit.
    let sideBySideRoot = root.appendingPathComponent("side-by-side")
    let sideBySide = try SweepCommand.parse(
      Self.tinyArguments(cache: Self.tempDir()) + grid + ["--run-dir", sideBySideRoot.path, "--jobs", "2"])
    #expect(sideBySide.grid.concurrentRuns == 2)
    let concurrent = try sideBySide.grid.runInProcess(
      try sideBySide.grid.jobs { [] }, dataset: try sideBySide.grid.options.loadDataset(), progress: ProgressReporter(quiet: true))
    #expect(try concurrent.json() == expected.json())
    let finalAdapter = "peso/lambda_1000.0/seed_1/stages/stage_4/adapter_model.safetensors"
    #expect(try Data(contentsOf: sideBySideRoot.appendingPathComponent(finalAdapter))
      == Data(contentsOf: inProcessRoot.appendingPathComponent(finalAdapter)))
    #expect(throws: (any Error).self) { _ = try SweepCommand.parse(Self.tinyArguments(cache: cache) + grid + ["--jobs", "0"]) }

    // A fresh cache, so the jobs race to build the two seeds' backbones.
    let jobCache = Self.tempDir()
    let planRoot = root.appendingPathComponent("planned")
    let planFile = root.appendingPathComponent("plan.txt")
    try SweepCommand.parse(
      Self.tinyArguments(cache: jobCache) + grid + ["--run-dir", planRoot.path, "--plan", planFile.path, "--executable", executable.path]
    ).run()
    let text = try String(contentsOf: planFile, encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.prefix(6).allSatisfy { !$0.hasPrefix("#") } && lines.dropFirst(6).allSatisfy { $0.hasPrefix("#") })
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = ["-c", "tr '\\n' '\\0' < \(shellQuoted(planFile.path)) | xargs -0 -P 2 -n 1 sh -c"]
    try shell.run()
    shell.waitUntilExit()
    #expect(shell.terminationStatus == 0)

    let (collected, found) = try SweepArguments.collected(roots: [planRoot.path], metric: .ndcg5)
    #expect(found.unfinished.isEmpty && found.duplicates.isEmpty)
    #expect(String(decoding: try collected.json(), as: UTF8.self) == String(decoding: try expected.json(), as: UTF8.self))
    // study --collect writes the same report and both figures.
    let studyOut = root.appendingPathComponent("study")
    try StudyCommand.parse(["--collect", planRoot.path, "--out", studyOut.path]).run()
    #expect(try Data(contentsOf: studyOut.appendingPathComponent("sweep.json")) == expected.json())
    for name in ["lambda_curve.svg", "frontier.svg"] {
      #expect(FileManager.default.fileExists(atPath: studyOut.appendingPathComponent(name).path), "\(name)")
    }
    let findings = try JSONDecoder().decode(StudyFindings.self, from: Data(contentsOf: studyOut.appendingPathComponent("findings.json")))
    #expect(findings == StudyFindings(arms: expected.arms, metric: "NDCG@5"))
    let results = try String(contentsOf: studyOut.appendingPathComponent("Results.md"), encoding: .utf8)
    #expect(results.contains("## Findings\n\n" + findings.adaptation))
    #expect(results.contains("![frontier.svg](frontier.svg)"))
    let (again, _) = try SweepArguments.collected(roots: [inProcessRoot.path], metric: .ndcg5)
    #expect(try again.json() == expected.json())

    // A copied run directory is the same run; a run with a stage missing is unfinished.
    let copy = root.appendingPathComponent("extra/copy")
    let partial = root.appendingPathComponent("extra/partial")
    try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: planRoot.appendingPathComponent("single/seed_0"), to: copy)
    try FileManager.default.copyItem(at: planRoot.appendingPathComponent("frozen/seed_1"), to: partial)
    var metrics = try #require(try RunDirectory.openForInspection(partial).readMetrics())
    metrics.stages.removeLast()
    try AtomicFile.writeJSON(metrics, to: partial.appendingPathComponent("metrics.json"))
    let (withExtra, extraFound) = try SweepArguments.collected(roots: [planRoot.path, copy.deletingLastPathComponent().path], metric: .ndcg5)
    #expect(extraFound.duplicates.count == 1)
    #expect(Set(extraFound.duplicates.flatMap { [$0.path, $0.sameAs] })
      == [copy.path, planRoot.appendingPathComponent("single/seed_0").standardizedFileURL.path])
    #expect(extraFound.unfinished.map(\.path) == [partial.path])
    #expect(try withExtra.json() == expected.json())
  }
}
