import ArgumentParser
import Foundation
import LorascopeEngine

/// The runs of a sweep: every (method, λ, seed), plus `single` and `frozen` on the same seeds
/// (the baseline every arm is compared with and the other end of the frontier,
/// Docs/Statistics.md "Sweeps: every arm against single"). The same list drives the in-process
/// sweep and `--plan`, so both run exactly the same `lorascope run` arguments.
struct SweepPlan {
  struct Job: Equatable {
    let method: ContinualMethod
    let lambda: Double
    let seed: UInt64
    /// `lorascope run` arguments (without the executable).
    let arguments: [String]
    /// The job's own run directory, when the sweep has a --run-dir.
    let runDirectory: String?
  }

  let jobs: [Job]

  /// - Parameters:
  ///   - methods: the methods asked for; `single` and `frozen` are added when missing.
  ///   - lambdas: the grid of each method that has a λ; methods without one run once per seed.
  ///   - shared: `lorascope run` options every job shares (data, recipe, schedule, cache).
  init(methods: [ContinualMethod], lambdas: (ContinualMethod) throws -> [Double], seeds: [UInt64], shared: [String], runRoot: String?) rethrows {
    var all = methods
    for baseline in [ContinualMethod.single, .frozen] where !all.contains(baseline) { all.append(baseline) }
    var jobs: [Job] = []
    for method in all {
      for lambda in method.usesLambda ? try lambdas(method) : [0] {
        for seed in seeds {
          let dir = runRoot.map { Self.runDirectory(root: $0, method: method, lambda: lambda, seed: seed) }
          var argv = shared + ["--method", method.rawValue, "--lambda", Self.lambdaText(lambda), "--seed", String(seed)]
          if let dir { argv += ["--run-dir", dir] }
          jobs.append(Job(method: method, lambda: lambda, seed: seed, arguments: argv, runDirectory: dir))
        }
      }
    }
    self.jobs = jobs
  }

  /// λ as written in arguments and directory names: the shortest text that reads back exactly.
  static func lambdaText(_ lambda: Double) -> String { "\(lambda)" }

  /// `<root>/<method>/lambda_<λ>/seed_<s>`, or `<root>/<method>/seed_<s>` for a method without λ.
  /// Only for people: the collector reads method, λ and seed from each run's config.json.
  static func runDirectory(root: String, method: ContinualMethod, lambda: Double, seed: UInt64) -> String {
    var url = URL(fileURLWithPath: root).appendingPathComponent(method.rawValue)
    if method.usesLambda { url = url.appendingPathComponent("lambda_\(lambdaText(lambda))") }
    return url.appendingPathComponent("seed_\(seed)").path
  }

  /// The job file of `sweep --plan` (Docs/Reproduce.md, "Sweeps on a cluster"): line i is job i,
  /// a self-contained shell command with a trailing `#` comment naming the run, so that
  /// `sed -n "${i}p"` finds job i; the instructions follow the jobs as `#` lines, which a shell
  /// (and so GNU parallel, xargs … sh -c) runs as nothing.
  func jobFile(executable: String, collectRoot: String) -> String {
    var out = ""
    for job in jobs {
      let command = ([executable, "run", "--resume"] + job.arguments).map(shellQuoted).joined(separator: " ")
      let lambda = job.method.usesLambda ? " λ=\(Self.lambdaText(job.lambda))" : ""
      out += "\(command) > /dev/null  # \(job.method.rawValue)\(lambda) seed \(job.seed)\n"
    }
    let n = jobs.count
    out += """
      # lorascope sweep plan: \(n) jobs above, one per line (line i = job i); each writes its own run
      # directory and resumes it if started again. Run them with one of (see Docs/Reproduce.md):
      #   parallel -j 4 < PLAN
      #   tr '\\n' '\\0' < PLAN | xargs -0 -P 4 -n 1 sh -c
      #   sbatch --array=1-\(n) --wrap 'sed -n "${SLURM_ARRAY_TASK_ID}p" PLAN | sh'
      #   Kubernetes indexed Job, completions \(n): sed -n "$((JOB_COMPLETION_INDEX + 1))p" PLAN | sh
      # then: lorascope sweep --collect \(shellQuoted(collectRoot)) [--json]

      """
    return out
  }
}

/// `text` quoted for a POSIX shell (left bare when it holds only safe characters).
func shellQuoted(_ text: String) -> String {
  let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%")
  if !text.isEmpty, text.unicodeScalars.allSatisfy({ safe.contains($0) }) { return text }
  return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
