import ArgumentParser
import Foundation
import LorascopeEngine

/// `lorascope bench`: is this machine's BLAS fast? (issue: engine foundation, speed).
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure training steps, forward throughput and sgemm at the tiny model's shapes.",
    discussion: """
      Batch 32 × 85 tokens with a target at every position, as ../shared/bench/torch_reference.py \
      measures PyTorch; compare ratios from the same sitting, not absolute numbers.
      """)

  @Flag(help: "Print one JSON object.")
  var json = false

  @Option(help: "Timed iterations per figure (the median is reported).")
  var iterations: Int = 10

  @Option(help: "Run only this part: 'evaluation' (beam search) or 'steps' (training steps and sgemm).")
  var only: BenchPart?

  @Option(help: "Histories the evaluation figure decodes.")
  var evalUsers: Int = 512

  @Option(help: "Histories per beam-search mini-batch in the evaluation figure.")
  var evalBatch: Int = ConstrainedBeamSearch.defaultBatchSize

  enum BenchPart: String, ExpressibleByArgument { case evaluation, steps }

  func run() throws {
    if only == .evaluation {
      try printJSON(EvaluationBenchmark.run(users: evalUsers, batchSize: evalBatch, iterations: iterations))
      return
    }
    let r = try EngineBenchmark.run(iterations: iterations, progress: { msg in
      FileHandle.standardError.write("bench: \(msg)\n".data(using: .utf8)!)
    })
    if json {
      try printJSON(r)
      return
    }
    var t = TextTable(["figure", "value", "unit"])
    t.add(["full-parameter AdamW step", String(format: "%.1f", r.fullStepSequencesPerS), "sequences/s"])
    t.add(["  its matmul rate", String(format: "%.1f", r.fullStepGflops), "GFLOP/s"])
    t.add(["LoRA + PESO step", String(format: "%.1f", r.loraPesoStepSequencesPerS), "sequences/s"])
    t.add(["LoRA step (CE only)", String(format: "%.1f", r.loraStepSequencesPerS), "sequences/s"])
    t.add(["forward, all logits", String(format: "%.0f", r.forwardTokensPerS), "tokens/s"])
    for (shape, g) in r.sgemmGflops.sorted(by: { $0.key < $1.key }) {
      t.add(["sgemm \(shape)", String(format: "%.1f", g), "GFLOP/s"])
    }
    t.add(["sgemm at the step's shapes", String(format: "%.1f", r.sgemmGflopsAtModelShapes), "GFLOP/s"])
    t.add(["per-example LoRA gradients, 128 ex.", String(format: "%.3f", r.perExampleGradientsSeconds), "s"])
    t.add(["  one batched backward, same 128", String(format: "%.3f", r.batchedBackwardSeconds), "s"])
    t.add(["joint low-rank spectrum, p = \(r.jointParameters)", String(format: "%.3f", r.jointLowRankSpectrumSeconds), "s"])
    t.add(["dense spectrum, one module p = 1024", String(format: "%.3f", r.dense1024SpectrumSeconds), "s"])
    print("BLAS kernel: \(r.blasKernel) · engine on \(r.engineThreads) cores (OpenBLAS 1 thread per call) · batch \(r.batch) × \(r.seqLen) tokens")
    print(t.render())
    print(String(format: "step matmul rate / sgemm at the same shapes: %.0f%%", 100 * r.fullStepGflops / r.sgemmGflopsAtModelShapes))
    print(String(format: "per-example gradients / batched backward: %.2f×", r.perExampleGradientsSeconds / r.batchedBackwardSeconds))
  }
}
