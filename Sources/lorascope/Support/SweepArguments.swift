import ArgumentParser
import Foundation
import LorascopeEngine

/// What a sweep runs — methods × λ × seeds with the shared run options — and the three ways to
/// run it: in this process, as a job file for a scheduler (`--plan`), or collected from finished
/// run directories (`--collect`). `sweep` and `study` both take these arguments.
struct SweepArguments: ParsableArguments {
  @OptionGroup var options: RunOptions

  @Option(help: "Comma-separated methods (default: the one --method). single and frozen are always added as the baseline and the frontier's end.")
  var methods: String?

  @Option(help: "λ values of methods with a λ: a comma-separated list and/or ranges start:stop:xF, e.g. 0,1e1:1e6:x10 (default: for peso from the first seed's stage-1 spectrum, 0, the paper's grid and λ_eff from 10⁻³·min ρ to 10³·max ρ by decades; for l2/ewc 0, the paper's grid and 1e-2…1e6).")
  var lambdas: String?

  @Option(name: .customLong("peso-lambdas"), help: "PESO's own λ grid (same syntax as --lambdas; overrides it for peso).")
  var pesoLambdas: String?

  @Option(name: .customLong("peso-retained"), help: "PESO's λ from the first seed's predicted stage-1 λ curve (Docs/Math.md §45): the λ predicted to keep each of these fractions of the stage's update, e.g. 0.9,0.7,0.5,0.3,0.1 (instead of a λ grid for peso).")
  var pesoRetained: String?

  @Option(name: .customLong("l2-lambdas"), help: "L2's own λ grid (its λ has other units than PESO's; overrides --lambdas for l2).")
  var l2Lambdas: String?

  @Option(name: .customLong("ewc-lambdas"), help: "EWC's own λ grid (overrides --lambdas for ewc).")
  var ewcLambdas: String?

  @Option(help: "Comma-separated seeds (default: --seed alone, or 0…n−1 with --seed-count).")
  var seeds: String?

  @Option(name: .customLong("seed-count"), help: "Run seeds 0…n−1.")
  var seedCount: Int?

  @Option(help: "The metric of the table.")
  var metric: RankingMetricName = .ndcg5

  @Option(help: "Write a job file (one `lorascope run` command per (method, λ, seed) line) instead of running; needs --run-dir.")
  var plan: String?

  @Option(parsing: .upToNextOption, help: "Build the table from finished run directories under these directories instead of running.")
  var collect: [String] = []

  @Option(help: "With --plan: the lorascope executable each job line runs (default: this one, by its absolute path).")
  var executable: String?

  @Option(name: .customLong("jobs"), help: "Runs side by side in this process, each on one core while another runs beside it; every run gives the same numbers as alone, and short runs use the cores better this way (default: 1 for sweep, one per core for study; Docs/Reproduce.md).")
  var sideBySide: Int?

  /// Runs side by side: `--jobs`, else one at a time.
  var concurrentRuns: Int { sideBySide ?? 1 }

  /// The λ values of `--lambdas` (a list and/or geometric ranges, Docs/Statistics.md "λ over decades").
  static func parseLambdas(_ text: String) throws -> [Double] {
    do {
      return try LambdaGrid.parse(text)
    } catch let error as LorascopeError {
      throw ValidationError(error.description)
    }
  }

  static func parseMethods(_ text: String) throws -> [ContinualMethod] {
    var out: [ContinualMethod] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let name = part.trimmingCharacters(in: .whitespaces)
      guard let m = ContinualMethod(rawValue: name) else {
        throw ValidationError(
          "--methods: '\(name)' is not a method (\(ContinualMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      if !out.contains(m) { out.append(m) }
    }
    return out
  }

  /// The seeds of the sweep: --seeds, or 0…n−1 for --seed-count, or the one --seed.
  static func parseSeeds(_ text: String?, count: Int?, single: UInt64) throws -> [UInt64] {
    if text != nil && count != nil { throw ValidationError("give --seeds or --seed-count, not both") }
    if let count {
      guard count >= 1, count <= 1000 else { throw ValidationError("--seed-count must be between 1 and 1000, not \(count)") }
      return (0..<UInt64(count)).map { $0 }
    }
    guard let text else { return [single] }
    var out: [UInt64] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let p = part.trimmingCharacters(in: .whitespaces)
      guard let s = UInt64(p) else { throw ValidationError("--seeds: cannot read '\(p)' as a seed") }
      if !out.contains(s) { out.append(s) }
    }
    return out
  }

  /// Rejects bad options when the command line is parsed, before any training.
  mutating func validate() throws {
    for grid in [lambdas, pesoLambdas, l2Lambdas, ewcLambdas] { if let grid { _ = try Self.parseLambdas(grid) } }
    if let methods { _ = try Self.parseMethods(methods) }
    if let pesoRetained {
      guard pesoLambdas == nil else { throw ValidationError("give --peso-lambdas or --peso-retained, not both") }
      _ = try Self.parseRetained(pesoRetained)
    }
    _ = try Self.parseSeeds(seeds, count: seedCount, single: options.seed)
    if plan != nil && !collect.isEmpty { throw ValidationError("give --plan or --collect, not both") }
    if let sideBySide, sideBySide < 1 { throw ValidationError("--jobs must be at least 1, not \(sideBySide)") }
  }

  /// The grid given for `method`: its own option, else --lambdas, else nil (the default grid).
  func givenLambdas(for method: ContinualMethod) throws -> [Double]? {
    if method == .peso && pesoRetained != nil { return nil }
    let own: String?
    switch method {
    case .peso: own = pesoLambdas
    case .l2: own = l2Lambdas
    case .ewc: own = ewcLambdas
    default: own = nil
    }
    return try (own ?? lambdas).map(Self.parseLambdas)
  }

  /// The jobs; `pesoGrid` gives PESO's default grid and is called only when no grid is given for PESO.
  func jobs(pesoGrid: () throws -> [Double]) throws -> SweepPlan {
    var peso: [Double]?
    return try SweepPlan(
      methods: try methods.map(Self.parseMethods) ?? [options.method],
      lambdas: { method in
        if let given = try givenLambdas(for: method) { return given }
        guard method == .peso else { return LambdaGrid.quadraticDefault }
        if let peso { return peso }
        let grid = try pesoGrid()
        peso = grid
        return grid
      },
      seeds: try Self.parseSeeds(seeds, count: seedCount, single: options.seed),
      shared: options.sharedJobArguments, runRoot: options.runDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
  }

  /// A PESO session of `seed` with stage 0 finished (trained, or taken from the shared cache, which
  /// the sweep's runs then reuse), ready to analyse stage 1: what both default PESO grids start from.
  private static func stageOneSession(
    options: RunOptions, seed: UInt64, dataset: ContinualDataset, progress: ProgressReporter, line: String
  ) throws -> ContinualSession {
    var o = options
    o.method = .peso
    o.seed = seed
    o.runDir = nil
    let session = try o.session(config: try o.runConfig(for: dataset), dataset: dataset, runDirectory: nil, resume: false)
    progress.line(line)
    try session.finishCurrentStage(onEvent: progress.handle)
    return session
  }

  /// PESO's default grid from the stage-1 spectrum of the first seed (Docs/Statistics.md, "λ over
  /// decades"): stage 0 is trained (its backbone lands in the shared cache, so the sweep reuses
  /// it), then the joint spectrum with the empirical Fisher on a probe of 128 block-1 sequences.
  static func spectrumGrid(options: RunOptions, seed: UInt64, dataset: ContinualDataset, progress: ProgressReporter) throws -> [Double] {
    let session = try stageOneSession(
      options: options, seed: seed, dataset: dataset, progress: progress, line: "default λ grid: the stage-1 spectrum of seed \(seed)")
    let source = try session.spectrumSource(stage: 1, probeSize: 128, seed: seed)
    let analysis = try SpectrumPipeline.run(source: source, selection: .joint, fisher: .empirical, directions: 16)
    let rho = analysis.spectrum.nonZeroRho
    guard let grid = LambdaGrid.spectrumDefault(resolvedRho: rho, adaptedLinears: session.adaptedLinears) else {
      throw ValidationError("the stage-1 spectrum resolved no ρ > 0 to derive a λ grid from; pass --lambdas")
    }
    progress.line(String(format: "default λ grid: resolved ρ in [%.3g, %.3g], |L| = %d → %d values from %g to %g",
                         rho.min() ?? 0, rho.max() ?? 0, session.adaptedLinears, grid.count, grid.first ?? 0, grid.last ?? 0))
    return grid
  }

  /// The retained fractions of `--peso-retained`: each strictly between 0 and 1, in the order given.
  static func parseRetained(_ text: String) throws -> [Double] {
    var out: [Double] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let p = part.trimmingCharacters(in: .whitespaces)
      guard let f = Double(p), f > 0, f < 1 else {
        throw ValidationError("--peso-retained: '\(p)' is not a fraction strictly between 0 and 1")
      }
      if !out.contains(f) { out.append(f) }
    }
    return out
  }

  /// PESO's grid from the predicted λ curve of the first seed's stage 1 (Docs/Math.md §45): stage
  /// 0 is trained (its backbone and stage 0 land in the shared cache, so the runs reuse them), then
  /// `predict` on stage 1 gives, for each retained fraction, the λ predicted to keep it. The same λ
  /// serve every seed so that the arms stay paired; the study measures what they realize.
  static func predictedGrid(
    retained: [Double], options: RunOptions, seed: UInt64, dataset: ContinualDataset, progress: ProgressReporter
  ) throws -> [Double] {
    let session = try stageOneSession(
      options: options, seed: seed, dataset: dataset, progress: progress, line: "PESO λ: the predicted stage-1 λ curve of seed \(seed)")
    let curve = try session.predictLambdaCurve(stage: 1)
    var grid: [Double] = []
    for target in retained {
      guard let lambda = curve.lambda(forRetained: target) else {
        let kept = curve.curve.map(\.retainedH)
        throw ValidationError(String(
          format: "--peso-retained %g: seed %llu's stage-1 curve does not reach it (retained %.3f…%.3f over λ %g…%g); pass --peso-lambdas",
          target, seed, kept.min() ?? 0, kept.max() ?? 0, curve.curve.first?.lambda ?? 0, curve.curve.last?.lambda ?? 0))
      }
      progress.line(String(format: "PESO λ: retained %.2f predicted at λ %.4g", target, lambda))
      grid.append(lambda)
    }
    return grid.sorted()
  }

  /// Runs every job of `sweep` in this process: one after another on every core, or with
  /// `--jobs N` N side by side, one core each (`Parallel.sideBySide`: each run computes what
  /// it computes alone, bit for bit). The first job of each stage-0 key runs before the others,
  /// so a seed's backbone and stage 0 are built once and read from the cache by the rest.
  func runInProcess(_ sweep: SweepPlan, dataset: ContinualDataset, progress: ProgressReporter) throws -> SweepReport {
    let jobs = sweep.jobs
    let results = SweepResults(count: jobs.count)
    let prepared = try jobs.map { job in
      let options = try RunOptions.parse(job.arguments)
      return (options: options, config: try options.runConfig(for: dataset))
    }
    func run(_ i: Int, reporter: ProgressReporter) throws {
      let job = jobs[i]
      let (jobOptions, config) = prepared[i]
      let dir = try job.runDirectory.map { try RunDirectory(url: URL(fileURLWithPath: $0)) }
      let session = try jobOptions.session(config: config, dataset: dataset, runDirectory: dir, resume: dir != nil)
      let metrics = try session.run(onEvent: reporter.handle)
      dir?.releaseWriterLock()
      results.set(i, SweepRunResult(method: job.method, lambda: job.lambda, seed: job.seed, metrics: metrics, ranks: session.ranks))
    }
    func describe(_ job: SweepPlan.Job) -> String {
      "\(job.method.rawValue)\(job.method.usesLambda ? " λ=\(fmt(job.lambda))" : "") seed \(job.seed)"
    }
    if concurrentRuns <= 1 {
      for (i, job) in jobs.enumerated() {
        progress.job(i, of: jobs.count, describe(job))
        try run(i, reporter: progress)
      }
    } else {
      // The first job of each stage-0 key leads; the others follow once every leader is done.
      var seen = Set<String>(), leaders: [Int] = [], rest: [Int] = []
      for (i, job) in prepared.enumerated() {
        if seen.insert(job.config.stageZeroKey(datasetFingerprint: dataset.fingerprint)).inserted {
          leaders.append(i)
        } else {
          rest.append(i)
        }
      }
      for wave in [leaders, rest] {
        try Parallel.sideBySide(wave.count, width: concurrentRuns) { k in
          let i = wave[k]
          progress.job(i, of: jobs.count, describe(jobs[i]), done: results.finished)
          try run(i, reporter: wave.count > 1 ? progress.forRun(i, of: jobs.count) : progress)
        }
      }
    }
    return try SweepReport(dataset: dataset.name, metric: metric, results: results.all)
  }

  /// The running executable by its absolute path, so that a job line is self-contained.
  static func runningExecutable() -> String {
    let argv0 = CommandLine.arguments[0]
    if argv0.contains("/") { return URL(fileURLWithPath: argv0).standardizedFileURL.path }
    return Bundle.main.executablePath ?? argv0
  }

  /// The report of the finished runs under `roots`, and what was collected and skipped.
  /// When the report cannot be built (a seed of an arm without its `single` run, say), the
  /// error lists every run directory that was skipped and why, since one of them is usually the cause.
  static func collected(roots: [String], metric: RankingMetricName) throws -> (SweepReport, RunCollection) {
    let found = try RunCollection.collect(roots: roots)
    let skipped = found.skippedLines.isEmpty ? "" : "\n" + found.skippedLines.joined(separator: "\n")
    guard !found.runs.isEmpty else {
      throw ValidationError("--collect: no finished run directory under \(roots.joined(separator: ", "))" + skipped)
    }
    do {
      return (try SweepReport(dataset: found.datasetName, metric: metric, results: found.runs), found)
    } catch let error as LorascopeError {
      throw ValidationError("--collect: \(error.description)" + skipped)
    }
  }


  /// Does what the options say: builds the report of finished run directories (`--collect`;
  /// unfinished and duplicate ones are listed on stderr, not counted), writes the job file
  /// (`--plan`; returns nil), or runs every job in this process.
  func execute(progress: ProgressReporter) throws -> SweepReport? {
    if !collect.isEmpty {
      let (report, found) = try Self.collected(roots: collect, metric: metric)
      for line in found.skippedLines { StandardStreams.writeError("\(line)\n") }
      for d in found.duplicates { StandardStreams.writeError("skipped (same run as \(d.sameAs)): \(d.path)\n") }
      StandardStreams.writeError("collected \(found.runs.count) finished runs\n")
      return report
    }
    var loaded: ContinualDataset?
    func dataset() throws -> ContinualDataset {
      if let loaded { return loaded }
      let d = try options.loadDataset()
      loaded = d
      return d
    }
    let seedList = try Self.parseSeeds(seeds, count: seedCount, single: options.seed)
    let sweep = try jobs {
      if let pesoRetained {
        return try Self.predictedGrid(
          retained: try Self.parseRetained(pesoRetained), options: options, seed: seedList[0], dataset: try dataset(),
          progress: progress)
      }
      return try Self.spectrumGrid(options: options, seed: seedList[0], dataset: try dataset(), progress: progress)
    }
    if let plan {
      let root = URL(fileURLWithPath: options.runDir ?? ".").standardizedFileURL.path
      let program = executable ?? Self.runningExecutable()
      try AtomicFile.write(Data(sweep.jobFile(executable: program, collectRoot: root).utf8), to: URL(fileURLWithPath: plan))
      StandardStreams.writeError("wrote \(sweep.jobs.count) jobs to \(plan)\n")
      return nil
    }
    return try runInProcess(sweep, dataset: try dataset(), progress: progress)
  }
}

/// The results of a sweep's runs as they finish, in job order, under a lock (runs may finish side by side).
final class SweepResults: @unchecked Sendable {
  private let lock = NSLock()
  private var results: [SweepRunResult?]

  init(count: Int) { results = Array(repeating: nil, count: count) }

  func set(_ i: Int, _ result: SweepRunResult) {
    lock.lock()
    defer { lock.unlock() }
    results[i] = result
  }

  var finished: Int {
    lock.lock()
    defer { lock.unlock() }
    return results.count { $0 != nil }
  }

  /// Every result; called after every run finished.
  var all: [SweepRunResult] {
    lock.lock()
    defer { lock.unlock() }
    return results.compactMap { $0 }
  }
}
