import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope study`: the paper's comparisons on one dataset in one command (every method, the
/// λ grid for PESO, several seeds for peso and single, both recipes), written as Markdown and
/// JSON. Each run lives in its own run directory and a finished run is not repeated, so an
/// interrupted study continues where it stopped.
struct StudyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "study",
    abstract: "Reproduce the method comparison and the λ sweep on a dataset; write Results.md and results.json.")

  @Option(help: "A PESO dataset directory, 'video-games' (the released dataset in Assets/), or 'synthetic'.")
  var data: String = "synthetic"

  @Option(help: "Output directory (run directories, results.json, Results.md).")
  var out: String

  @Option(help: "Comma-separated λ grid for peso.")
  var lambdas: String = "0,0.5,1,2,5,8"

  @Option(help: "Comma-separated seeds for peso (at the chosen λ) and single; other methods use the first.")
  var seeds: String = "0,1,2"

  @Option(help: "The λ of the method comparison and the seed repeats.")
  var lambda: Double = 2

  @Option(help: "Comma-separated recipes: default, paper.")
  var recipes: String = "default,paper"

  @Option(name: .customLong("eval-users"), help: "Test users per block for R[t][j] (a number, or 'all').")
  var evalUsers: String = "2000"

  @Option(help: "Backbone cache directory (default $LORASCOPE_CACHE or ~/.cache/lorascope/backbones).")
  var cache: String?

  @Flag(name: .customLong("skip-spectrum"), help: "Do not compute the spectrum and the theory check per stage.")
  var skipSpectrum = false

  @Option(parsing: .upToNextOption, help: "Instead of running: build the sweep report and figures from finished run directories under these directories (e.g. a `sweep --plan` run directory) into --out.")
  var collect: [String] = []

  /// Checks every option before the first run trains (each run's options are checked again).
  mutating func validate() throws {
    _ = try SweepCommand.parseLambdas(lambdas)
    guard lambda.isFinite, lambda >= 0 else { throw ValidationError("--lambda must be a finite number ≥ 0, not \(lambda)") }
    _ = try parseList(seeds, "--seeds") { UInt64($0) }
    _ = try parseList(recipes, "--recipes") { RunOptions.Recipe(rawValue: $0) }
    _ = try RunOptions.parse(["--eval-users", evalUsers])
  }

  func run() throws {
    if !collect.isEmpty { return try runCollect() }
    let lambdaGrid = try parseList(lambdas, "--lambdas", Double.init)
    let seedList = try parseList(seeds, "--seeds") { UInt64($0) }
    let recipeList = try parseList(recipes, "--recipes") { RunOptions.Recipe(rawValue: $0) }
    let outURL = URL(fileURLWithPath: out)
    try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
    let progress = ProgressReporter()
    var results: [StudyRun] = []
    var spectra: [StudySpectrum] = []
    var figures = ""
    var runIndex = 0

    for recipe in recipeList {
      // The runs of the figures: one per (method, λ, seed), the --no-inherit variants left out.
      var figureRuns: [SweepRunResult] = []
      var plan: [(String, [String], UInt64)] = []   // (variant name, option arguments, seed)
      let first = seedList[0]
      for l in lambdaGrid { plan.append(("peso λ=\(fmt(l))", ["--method", "peso", "--lambda", String(l)], first)) }
      for s in seedList.dropFirst() {
        plan.append(("peso λ=\(fmt(lambda))", ["--method", "peso", "--lambda", String(lambda)], s))
      }
      for s in seedList { plan.append(("single", ["--method", "single"], s)) }
      plan.append(("l2", ["--method", "l2", "--lambda", String(lambda)], first))
      plan.append(("ewc", ["--method", "ewc", "--lambda", String(lambda)], first))
      plan.append(("cumulative-all", ["--method", "cumulative-all"], first))
      plan.append(("cumulative-all --no-inherit", ["--method", "cumulative-all", "--no-inherit"], first))
      plan.append(("cumulative-latest", ["--method", "cumulative-latest"], first))
      plan.append(("cumulative-latest --no-inherit", ["--method", "cumulative-latest", "--no-inherit"], first))
      plan.append(("frozen", ["--method", "frozen"], first))

      let runCount = plan.count * recipeList.count
      for (variant, args, seed) in plan {
        defer { runIndex += 1 }
        let dirName = "\(recipe.rawValue)/seed_\(seed)/" + variant.replacingOccurrences(of: " ", with: "_")
          .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "λ", with: "lambda").replacingOccurrences(of: "--", with: "")
        var argv = ["--data", data, "--seed", String(seed), "--recipe", recipe.rawValue, "--eval-users", evalUsers,
                    "--run-dir", outURL.appendingPathComponent(dirName).path] + args
        if let cache { argv += ["--cache", cache] }
        let options = try RunOptions.parse(argv)
        let dataset = try options.loadDataset()
        let config = try options.runConfig(for: dataset)
        let dir = try RunDirectory(url: outURL.appendingPathComponent(dirName))
        let start = Date()
        var metrics: RunMetrics
        if let done = try dir.readMetrics(), done.stages.count == dataset.numBlocks, try dir.readManifest()?.config == config {
          progress.job(runIndex, of: runCount, "\(recipe.rawValue) · seed \(seed) · \(variant): already finished")
          metrics = done
        } else {
          progress.job(runIndex, of: runCount, "\(recipe.rawValue) · seed \(seed) · \(variant)")
          let resume = try dir.readManifest()?.config == config
          let session = try ContinualSession(
            config: config, dataset: dataset, runDirectory: dir, backboneCache: options.cacheURL, resume: resume,
            dataSpec: options.dataSpec)
          metrics = try session.run(onEvent: progress.handle)
        }
        if !args.contains("--no-inherit") {
          figureRuns.append(SweepRunResult(
            method: config.method, lambda: config.lambda, seed: seed, metrics: metrics, ranks: try dir.readRanks()))
        }
        dir.releaseWriterLock()
        results.append(StudyRun(recipe: recipe.rawValue, variant: variant, seed: seed, lambda: config.lambda,
                                wallSeconds: Date().timeIntervalSince(start), report: RunReport(metrics: metrics)))

        if !skipSpectrum && variant == "peso λ=\(fmt(lambda))" && seed == first {
          let state = try RunState.load(runDir: dir.url.path, data: nil, cache: cache)
          for t in 1..<dataset.numBlocks {
            progress.line("spectrum and theory check, stage \(t)")
            spectra.append(try StudySpectrum.measure(session: state.session, stage: t, lambda: lambda, recipe: recipe.rawValue))
          }
        }
        try write(results: results, spectra: spectra, to: outURL, lambdaGrid: lambdaGrid)
      }
      // The figures must not cost the finished runs: a failure here is reported, not thrown.
      do {
        let report = try SweepReport(dataset: data, metric: .ndcg5, results: figureRuns)
        let figureDirectory = outURL.appendingPathComponent(recipe.rawValue)
        try SweepFigures.writeSVG(report, to: figureDirectory)
        try AtomicFile.write(try report.json(), to: figureDirectory.appendingPathComponent("sweep.json"))
        figures += "\n## Recipe \(recipe.rawValue): every arm against single (figures in \(figureDirectory.path))\n\n"
          + report.table() + "\n\n" + SweepFigures.text(report)
      } catch {
        progress.line("recipe \(recipe.rawValue): no sweep figures: \(error)")
      }
    }
    print(try String(contentsOf: outURL.appendingPathComponent("Results.md"), encoding: .utf8) + figures)
  }

  /// `study --collect DIR…`: the sweep report of finished run directories (the jobs of a
  /// `sweep --plan`), written to --out as sweep.json, lambda_curve.svg and frontier.svg.
  func runCollect() throws {
    let (report, found) = try SweepCommand.collected(roots: collect, metric: .ndcg5)
    for u in found.unfinished { FileHandle.standardError.write(Data("skipped (unfinished): \(u.path): \(u.reason)\n".utf8)) }
    for d in found.duplicates { FileHandle.standardError.write(Data("skipped (same run as \(d.sameAs)): \(d.path)\n".utf8)) }
    let outURL = URL(fileURLWithPath: out)
    try SweepFigures.writeSVG(report, to: outURL)
    try AtomicFile.write(try report.json(), to: outURL.appendingPathComponent("sweep.json"))
    print(report.table() + "\n\n" + SweepFigures.text(report))
  }

  func write(results: [StudyRun], spectra: [StudySpectrum], to url: URL, lambdaGrid: [Double]) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try AtomicFile.write(try enc.encode(StudyFile(runs: results, spectra: spectra)), to: url.appendingPathComponent("results.json"))
    let md = StudyMarkdown.render(runs: results, spectra: spectra, lambda: lambda, lambdaGrid: lambdaGrid, data: data)
    try AtomicFile.write(Data(md.utf8), to: url.appendingPathComponent("Results.md"))
  }

  func parseList<T>(_ s: String, _ name: String, _ parse: (String) -> T?) throws -> [T] {
    let items = try s.split(separator: ",").map { part -> T in
      let p = part.trimmingCharacters(in: .whitespaces)
      guard let v = parse(p) else { throw ValidationError("\(name): cannot read '\(p)'") }
      return v
    }
    guard !items.isEmpty else { throw ValidationError("\(name) is empty") }
    return items
  }
}

func fmt(_ x: Double) -> String { abs(x) < 1e15 && x == x.rounded() ? String(Int(x)) : String(x) }
