import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope bench`: is this machine's BLAS fast? (issue: engine foundation, speed).
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure training steps, forward throughput and sgemm at the tiny model's shapes.",
    discussion: """
      Batch 32 × 85 tokens with a target at every position, as Scripts/bench/torch_reference.py \
      measures PyTorch; compare ratios from the same sitting, not absolute numbers.
      """)

  @Flag(help: "Print one JSON object.")
  var json = false

  @Option(help: "Timed iterations per figure (the median is reported).")
  var iterations: Int = 10

  @Option(help: "Run only this part: 'evaluation' (beam search, JSON) or 'steps' (sgemm, steps, forward).")
  var only: BenchPart?

  @Option(help: "Histories the evaluation figure decodes.")
  var evalUsers: Int = 512

  @Option(help: "Histories per beam-search mini-batch in the evaluation figure.")
  var evalBatch: Int = ConstrainedBeamSearch.defaultBatchSize

  enum BenchPart: String, ExpressibleByArgument { case evaluation, steps }

  mutating func validate() throws {
    guard iterations >= 1, iterations <= 10_000 else { throw ValidationError("--iterations must be between 1 and 10000, not \(iterations)") }
    guard evalUsers >= 1, evalUsers <= 1_000_000 else { throw ValidationError("--eval-users must be between 1 and 1000000, not \(evalUsers)") }
    guard evalBatch >= 1, evalBatch <= 100_000 else { throw ValidationError("--eval-batch must be between 1 and 100000, not \(evalBatch)") }
  }

  func run() throws {
    if only == .evaluation {
      try printJSON(EvaluationBenchmark.run(users: evalUsers, batchSize: evalBatch, iterations: iterations))
      return
    }
    let parts: Set<EngineBenchmarkPart> = only == .steps ? [] : Set(EngineBenchmarkPart.allCases)
    let r = try EngineBenchmark.run(iterations: iterations, parts: parts, evalUsers: evalUsers, progress: { msg in
      StandardStreams.writeError("bench: \(msg)\n")
    })
    if json {
      try printJSON(r)
      return
    }
    var t = TextTable(["figure", "value", "unit"])
    t.add(["full-parameter AdamW step", String(format: "%.1f", r.fullStepSequencesPerS), "sequences/s"])
    t.add(["  its matmul rate", String(format: "%.1f", r.fullStepGflops), "GFLOP/s"])
    t.add(["  its GEMMs' own rate", String(format: "%.1f", r.fullStepGemmGflops), "GFLOP/s"])
    t.add(["LoRA + PESO step", String(format: "%.1f", r.loraPesoStepSequencesPerS), "sequences/s"])
    t.add(["LoRA step (CE only)", String(format: "%.1f", r.loraStepSequencesPerS), "sequences/s"])
    t.add([String(format: "LoRA + PESO, Video_Games lengths (%.0f tok., packed)", r.variedTokensPerSequence),
           String(format: "%.1f", r.loraPesoVariedStepSequencesPerS), "sequences/s"])
    t.add([String(format: "  the same, padding computed (%.0f tok.)", r.variedPaddedTokensPerSequence),
           String(format: "%.1f", r.loraPesoVariedPaddedStepSequencesPerS), "sequences/s"])
    t.add(["  the same, packed, on one core",
           String(format: "%.1f", r.loraPesoVariedOneCoreStepSequencesPerS), "sequences/s"])
    t.add(["forward, all logits", String(format: "%.0f", r.forwardTokensPerS), "tokens/s"])
    for (shape, g) in r.sgemmGflops.sorted(by: { $0.key < $1.key }) {
      t.add(["sgemm \(shape)", String(format: "%.1f", g), "GFLOP/s"])
    }
    t.add(["sgemm at the step's shapes", String(format: "%.1f", r.sgemmGflopsAtModelShapes), "GFLOP/s"])
    t.add(["LoRA + PESO step / full step", String(format: "%.2f", r.loraVsFullStepRatio), "×"])
    for (name, phases) in r.stepPhases.sorted(by: { $0.key < $1.key }) {
      t.add(["  \(name) step: backbone GEMMs", String(format: "%.1f", 1000 * phases.linearGemmSeconds), "ms"])
      t.add(["  \(name) step: adapter GEMMs", String(format: "%.1f", 1000 * phases.adapterGemmSeconds), "ms"])
      t.add(["  \(name) step: attention", String(format: "%.1f", 1000 * phases.attentionSeconds), "ms"])
      t.add(["  \(name) step: everything else", String(format: "%.1f", 1000 * phases.otherSeconds), "ms"])
    }
    if let perExample = r.perExampleGradientsSeconds, let batched = r.batchedBackwardSeconds,
       let joint = r.jointLowRankSpectrumSeconds, let p = r.jointParameters, let dense = r.dense1024SpectrumSeconds {
      t.add(["per-example LoRA gradients, 128 ex.", String(format: "%.3f", perExample), "s"])
      t.add(["  one batched backward, same 128", String(format: "%.3f", batched), "s"])
      t.add(["joint low-rank spectrum, p = \(p)", String(format: "%.3f", joint), "s"])
      t.add(["dense spectrum, one module p = 1024", String(format: "%.3f", dense), "s"])
    }
    if let users = r.evalUsers, let rate = r.evalUsersPerS, let gflops = r.evalGflops {
      t.add(["beam search, beam 10, \(users) users", String(format: "%.1f", rate), "users/s"])
      t.add(["  its matmul rate", String(format: "%.1f", gflops), "GFLOP/s"])
    }
    try printResult("BLAS kernel: \(r.blasKernel) · engine on \(r.engineThreads) cores (OpenBLAS 1 thread per call) · batch \(r.batch) × \(r.seqLen) tokens")
    try printResult(t.render())
    try printResult(String(format: "step matmul rate / sgemm at the same shapes: %.0f%% (whole step), %.0f%% (its GEMM calls)",
                 100 * r.fullStepGflops / r.sgemmGflopsAtModelShapes, 100 * r.fullStepGemmGflops / r.sgemmGflopsAtModelShapes))
    if let perExample = r.perExampleGradientsSeconds, let batched = r.batchedBackwardSeconds {
      try printResult(String(format: "per-example gradients / batched backward: %.2f×", perExample / batched))
    }
  }
}
