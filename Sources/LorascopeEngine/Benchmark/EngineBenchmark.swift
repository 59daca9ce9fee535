import Foundation

/// The figures `lorascope bench` reports: how fast this machine's BLAS runs the engine's
/// steps at the tiny model's shapes (batch 32 × 85 tokens, every position a target, as in
/// Scripts/bench/torch_reference.py, so the numbers compare one to one).
public struct EngineBenchmarkReport: Codable, Sendable {
  public var blasKernel: String
  /// Cores the engine splits its work over (OpenBLAS itself runs one thread per call).
  public var engineThreads: Int
  public var batch: Int
  public var seqLen: Int
  public var fullStepSequencesPerS: Double
  public var fullStepGflops: Double
  /// The full step's linear-layer and lm_head GEMM FLOPs over the time its GEMM calls took
  /// (`StepPhaseClock`): the rate of the GEMMs themselves, comparable with `sgemmGflopsAtModelShapes`.
  public var fullStepGemmGflops: Double
  public var loraPesoStepSequencesPerS: Double
  public var loraStepSequencesPerS: Double
  /// The LoRA + PESO step on batches of Video_Games-like lengths cut as a run cuts them
  /// (`videoGamesLikeBatches`): shapes change from step to step.
  public var loraPesoVariedStepSequencesPerS: Double
  /// The same batches with their padding computed as well (`LlamaModel.packsRows` off).
  public var loraPesoVariedPaddedStepSequencesPerS: Double
  /// The same packed batches on one core (`Parallel.inline`): how much the cores give one run
  /// at a run's shapes, against running runs side by side (`sweep --jobs`).
  public var loraPesoVariedOneCoreStepSequencesPerS: Double
  /// Mean tokens per sequence in those batches: real (the rows the step computes, `PackedRows`),
  /// and padded to each batch's longest (the rows a padded layout would compute).
  public var variedTokensPerSequence: Double
  public var variedPaddedTokensPerSequence: Double
  public var forwardTokensPerS: Double
  /// sgemm GFLOP/s keyed by "MxKxN" at the model's shapes.
  public var sgemmGflops: [String: Double]
  /// The FLOP-weighted mean of `sgemmGflops` over the step's matmuls: the yardstick for full_step_gflops.
  public var sgemmGflopsAtModelShapes: Double
  /// Spectrum figures (Docs/Design.md §3): per-example LoRA gradients of 128 examples from one batched
  /// backward, against one ordinary batched backward on the same examples; the joint low-rank
  /// spectrum over every module; the dense solve of one p = 1024 module.
  /// Nil when the spectrum part was not run (`bench --only steps`).
  public var perExampleGradientsSeconds: Double?
  public var batchedBackwardSeconds: Double?
  public var jointLowRankSpectrumSeconds: Double?
  public var jointParameters: Int?
  public var dense1024SpectrumSeconds: Double?
  /// LoRA+PESO step speed over the full step's (issue 10's goal: at least 1.4).
  public var loraVsFullStepRatio: Double
  /// Where one step's time goes, keyed "full" and "lora_peso".
  public var stepPhases: [String: StepPhaseBreakdown]
  /// Constrained beam search at beam 10 on Video_Games-like histories (`EvaluationBenchmark`);
  /// nil when the evaluation part was not run.
  public var evalUsers: Int?
  public var evalUsersPerS: Double?
  public var evalGflops: Double?

  enum CodingKeys: String, CodingKey {
    case blasKernel = "blas_kernel", engineThreads = "engine_threads", batch, seqLen = "seq_len"
    case fullStepSequencesPerS = "full_step_sequences_per_s", fullStepGflops = "full_step_gflops"
    case fullStepGemmGflops = "full_step_gemm_gflops"
    case loraPesoStepSequencesPerS = "lora_peso_step_sequences_per_s"
    case loraStepSequencesPerS = "lora_step_sequences_per_s"
    case loraPesoVariedStepSequencesPerS = "lora_peso_varied_step_sequences_per_s"
    case loraPesoVariedPaddedStepSequencesPerS = "lora_peso_varied_padded_step_sequences_per_s"
    case loraPesoVariedOneCoreStepSequencesPerS = "lora_peso_varied_one_core_step_sequences_per_s"
    case variedTokensPerSequence = "varied_tokens_per_sequence"
    case variedPaddedTokensPerSequence = "varied_padded_tokens_per_sequence"
    case forwardTokensPerS = "forward_tokens_per_s", sgemmGflops = "sgemm_gflops"
    case sgemmGflopsAtModelShapes = "sgemm_gflops_at_model_shapes"
    case perExampleGradientsSeconds = "per_example_gradients_128_s", batchedBackwardSeconds = "batched_backward_128_s"
    case jointLowRankSpectrumSeconds = "joint_lowrank_spectrum_s", jointParameters = "joint_parameters"
    case dense1024SpectrumSeconds = "dense_spectrum_p1024_s"
    case loraVsFullStepRatio = "lora_vs_full_step_ratio", stepPhases = "step_phases"
    case evalUsers = "eval_users", evalUsersPerS = "eval_users_per_s", evalGflops = "eval_gflops"
  }
}

/// One step's wall time split by `StepPhaseClock` (means over the profiled steps).
public struct StepPhaseBreakdown: Codable, Sendable {
  public var stepSeconds: Double
  /// Backbone linear layers' and lm_head's GEMMs, forward and backward.
  public var linearGemmSeconds: Double
  /// The adapter factors' GEMMs: A·x, the fold W + s·B·A, and the LoRA backward (zero in a full step).
  public var adapterGemmSeconds: Double
  /// Causal attention: its per-head GEMMs and the softmax between them.
  public var attentionSeconds: Double
  /// Everything else: embedding, norms, rotary, SwiGLU, residual adds, cross-entropy, penalty, AdamW.
  public var otherSeconds: Double
  /// Parallel regions a step opens (`StepPhaseClock.regions`): how often the cores hand work over.
  public var parallelRegions: Double

  enum CodingKeys: String, CodingKey {
    case stepSeconds = "step_s", linearGemmSeconds = "linear_gemm_s", adapterGemmSeconds = "adapter_gemm_s"
    case attentionSeconds = "attention_s"
    case otherSeconds = "other_s", parallelRegions = "parallel_regions"
  }
}

/// The optional parts of `lorascope bench`; sgemm at the model's shapes, the full and LoRA
/// steps with their phases and the forward pass always run.
public enum EngineBenchmarkPart: String, CaseIterable, Sendable {
  /// Per-example gradients and the spectrum solves.
  case spectrum
  /// Constrained beam search (`EvaluationBenchmark`).
  case evaluation
}

public enum EngineBenchmark {
  /// Median seconds of `iterations` runs after `warmup` runs.
  static func median(warmup: Int, iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    for _ in 0..<iterations {
      let t0 = DispatchTime.now().uptimeNanoseconds
      try body()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    times.sort()
    return times[times.count / 2]
  }

  /// Median seconds of each body, the bodies run in turn (A B C A B C …) after `warmup` rounds.
  static func alternating(warmup: Int, iterations: Int, _ bodies: [() throws -> Void]) throws -> [Double] {
    for _ in 0..<warmup { for body in bodies { try body() } }
    var times = [[Double]](repeating: [], count: bodies.count)
    for _ in 0..<iterations {
      for (i, body) in bodies.enumerated() {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times[i].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
      }
    }
    return times.map { $0.sorted()[$0.count / 2] }
  }

  /// The matmul FLOPs of one full-parameter step (forward + backward: 3× the forward's
  /// linear and attention FLOPs), logits at every position.
  public static func fullStepFlops(config c: ModelConfig, batch: Int, seqLen: Int) -> Double {
    let attention = 2 * 2 * Double(batch * seqLen * seqLen) * Double(c.hiddenSize) * Double(c.numLayers)
    return fullStepLinearFlops(config: c, batch: batch, seqLen: seqLen) + 3 * attention
  }

  /// The part of `fullStepFlops` in the linear layers and lm_head (what `StepPhaseClock.linear` times).
  public static func fullStepLinearFlops(config c: ModelConfig, batch: Int, seqLen: Int) -> Double {
    let bt = Double(batch * seqLen), C = Double(c.hiddenSize), I = Double(c.intermediateSize)
    let linears = 2 * bt * (4 * C * C + 3 * C * I) * Double(c.numLayers)
    let head = 2 * bt * C * Double(c.vocabSize)
    return 3 * (linears + head)
  }

  /// The benchmark's random inputs: fixed streams of root 0, so every machine times the same work.
  public static let fixtureSeeds = SeedStream(root: 0)

  /// A batch of random tokens with a target at every position (the next token).
  public static func randomBatch(vocab: Int, batch: Int, seqLen: Int, seed: UInt64) -> TokenBatch {
    var rng = SeededRNG(seed: seed)
    let rows = (0..<batch).map { _ -> TrainingPair in
      let toks = (0...seqLen).map { _ in Int32(3 + Int(rng.next() % UInt64(vocab - 3))) }
      return TrainingPair(inputs: Array(toks.dropLast()), targets: Array(toks.dropFirst()))
    }
    return TokenBatch(rows: rows)
  }

  /// `count` batches of `batch` sequences whose lengths follow Video_Games' test histories
  /// (`EvaluationBenchmark.videoGamesHistoryItems`) plus the target item, 4 tokens per item and
  /// BOS, capped at `maxLength`; random tokens, a target at every position. They are cut into
  /// batches the way a run cuts its own (`BatchPlan`: similar lengths side by side within 16
  /// batches), so each batch pads to its longest sequence and the shapes change from batch to
  /// batch as in a run.
  public static func videoGamesLikeBatches(count: Int, vocab: Int, batch: Int, maxLength: Int, seed: UInt64) -> [TokenBatch] {
    var rng = SeededRNG(seed: seed)
    let pairs = (0..<(count * batch)).map { _ -> TrainingPair in
      let length = min(maxLength, 4 * (EvaluationBenchmark.drawHistoryItems(&rng) + 1) + 1)
      let tokens = (0...length).map { _ in Int32(3 + Int(rng.next() % UInt64(vocab - 3))) }
      return TrainingPair(inputs: Array(tokens.dropLast()), targets: Array(tokens.dropFirst()))
    }
    let plan = BatchPlan(pairs: pairs, batchSize: batch, seed: rng.next())
    return plan.epoch(0).map(plan.batch)
  }

  /// sgemm GFLOP/s of one m×k · k×n product with OpenBLAS's own threading on every core:
  /// the library's best at that shape, the yardstick the step is compared with.
  public static func sgemmGflops(m: Int, k: Int, n: Int, iterations: Int) -> Double {
    BLAS.setThreadCount(Parallel.workers)
    defer { BLAS.configureThreads() }
    let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
    var rng = fixtureSeeds.generator(.fixture, 1)
    for i in 0..<a.count { a[i] = Float(rng.nextNormal()) }
    for i in 0..<b.count { b[i] = Float(rng.nextNormal()) }
    let t = median(warmup: 2, iterations: iterations) {
      BLAS.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a.base, lda: k,
                b: b.base, ldb: n, beta: 0, c: c.base, ldc: n)
    }
    return 2 * Double(m * k * n) / t / 1e9
  }

  public static func run(config: ModelConfig = .tiny(vocabSize: 1027), batch: Int = 32, seqLen: Int = 85,
                         iterations: Int = 10, parts: Set<EngineBenchmarkPart> = Set(EngineBenchmarkPart.allCases),
                         evalUsers: Int = 512,
                         progress: (String) -> Void = { _ in }) throws -> EngineBenchmarkReport {
    let data = randomBatch(vocab: config.vocabSize, batch: batch, seqLen: seqLen, seed: fixtureSeeds.seed(.fixture, 2))
    let bt = batch * seqLen

    progress("sgemm at the model's shapes")
    let shapes = [(bt, config.hiddenSize, config.hiddenSize), (bt, config.hiddenSize, config.intermediateSize),
                  (bt, config.intermediateSize, config.hiddenSize), (bt, config.hiddenSize, config.vocabSize)]
    var gemm: [String: Double] = [:]
    var weighted = 0.0, weight = 0.0
    for (m, k, n) in shapes {
      let g = sgemmGflops(m: m, k: k, n: n, iterations: max(iterations * 5, 20))
      gemm["\(m)x\(k)x\(n)"] = g
      // FLOP share of this shape in the step: q,k,v,o use C×C; gate, up C×I; down I×C; head C×V.
      let count = n == config.vocabSize ? 1.0 : (k == n ? 4.0 * Double(config.numLayers)
        : (n == config.intermediateSize ? 2.0 * Double(config.numLayers) : Double(config.numLayers)))
      let flops = count * Double(m * k * n)
      weighted += flops / g
      weight += flops
    }
    let atShapes = weight / weighted

    let full = try LlamaModel(config: config, seed: fixtureSeeds.seed(.fixture, 0))
    let fullGrads = ModelGradients(model: full, backbone: .all, lora: false)
    guard let fullBackboneGrads = fullGrads.backbone else { throw LorascopeError.usage("no backbone gradients") }
    let fullOpt = AdamW(config: AdamWConfig(), groups: [.init(parameters: full.weights, gradients: fullBackboneGrads)])
    let lora = try LlamaModel(config: config, seed: fixtureSeeds.seed(.fixture, 0))
    lora.attachLoRA(LoRAConfig(), seed: fixtureSeeds.seed(.fixture, 3))
    let loraGrads = ModelGradients(model: lora, backbone: .frozen, lora: true)
    guard let adapter = lora.lora, let loraLayout = lora.loraLayout, let adapterGradient = loraGrads.lora else {
      throw LorascopeError.invalidConfiguration("the benchmark adapter did not attach")
    }
    let anchor = adapter.clone()
    var rng = fixtureSeeds.generator(.fixture, 4)
    for i in 0..<anchor.count { anchor[i] += Float(1e-2 * rng.nextNormal()) }
    let penalty = ProximalPenalty(kind: .softmaxKL, layout: loraLayout, anchor: anchor)
    let loraOpt = AdamW(config: AdamWConfig(), groups: [.init(parameters: adapter, gradients: adapterGradient)])
    // The three steps alternate (full, LoRA+PESO, LoRA, full, …) so that a shared machine's
    // load changes hit all three alike; each figure is the median of its own runs.
    let fullStep = {
      fullGrads.zero()
      try full.lossAndGradients(data, into: fullGrads)
      fullOpt.step(learningRate: 1e-4)
    }
    let pesoStep = { (batch: TokenBatch) in
      loraGrads.zero()
      try lora.lossAndGradients(batch, into: loraGrads)
      penalty.evaluate(adapter, strength: try penalty.strength(lambda: 2), gradient: adapterGradient)
      loraOpt.step(learningRate: 1e-4)
    }
    let loraStep = {
      loraGrads.zero()
      try lora.lossAndGradients(data, into: loraGrads)
      loraOpt.step(learningRate: 1e-4)
    }
    progress("full AdamW, LoRA + PESO and LoRA steps, in turn")
    let stepTimes = try alternating(warmup: 2, iterations: iterations, [fullStep, { try pesoStep(data) }, loraStep])
    let (tFull, tPeso, tLora) = (stepTimes[0], stepTimes[1], stepTimes[2])

    progress("LoRA + PESO steps on Video_Games-like lengths")
    let varied = videoGamesLikeBatches(
      count: 16, vocab: config.vocabSize, batch: batch, maxLength: min(seqLen, config.maxPositions),
      seed: fixtureSeeds.seed(.fixture, 8))
    // The same batches with every padded position computed too (the layout before `PackedRows`),
    // and on one core (`Parallel.inline`, as each run of `sweep --jobs` is), alternating with the
    // packed ones on every core: the in-process references for what packing and the cores give.
    let variedTimes = try alternating(warmup: 1, iterations: max(3, iterations / 2), [
      { for b in varied { try pesoStep(b) } },
      {
        lora.packsRows = false
        defer { lora.packsRows = true }
        for b in varied { try pesoStep(b) }
      },
      { try Parallel.inline { for b in varied { try pesoStep(b) } } },
    ])
    let (tVaried, tVariedPadded, tVariedOneCore) = (variedTimes[0], variedTimes[1], variedTimes[2])
    let variedTokens = Double(varied.reduce(0) { $0 + $1.targetRows.count }) / Double(varied.count * batch)
    let variedPadded = Double(varied.reduce(0) { $0 + $1.seqLen }) / Double(varied.count)

    progress("per-phase breakdown of the steps")
    let fullPhases = try profile(steps: max(3, iterations / 2), fullStep)
    let pesoPhases = try profile(steps: max(3, iterations / 2)) { try pesoStep(data) }

    progress("forward, logits at every position")
    let tForward = try median(warmup: 2, iterations: iterations) { _ = try full.logits(data) }

    var spectrumFigures: (perExample: Double, batched: Double, joint: Double, dense: Double)?
    if parts.contains(.spectrum) {
      progress("per-example gradients of 128 examples, and the spectrum solves")
      let probeBatch = randomBatch(vocab: config.vocabSize, batch: 128, seqLen: seqLen, seed: fixtureSeeds.seed(.fixture, 5))
      let probeRows = (0..<128).map { r in
        TrainingPair(
          inputs: Array(probeBatch.tokens[(r * seqLen)..<((r + 1) * seqLen)]),
          targets: Array(probeBatch.targets[(r * seqLen)..<((r + 1) * seqLen)]))
      }
      // B ≠ 0 so every factor has gradient (a fresh adapter has zero A gradients).
      for i in 0..<adapter.count { adapter[i] += Float(1e-2 * rng.nextNormal()) }
      let tBatched = try median(warmup: 1, iterations: max(3, iterations / 3)) {
        for start in stride(from: 0, to: 128, by: 32) {
          loraGrads.zero()
          try lora.lossAndGradients(TokenBatch(rows: Array(probeRows[start..<(start + 32)])), into: loraGrads)
        }
      }
      var probe: ProbeGradients?
      let tPerExample = try median(warmup: 1, iterations: max(3, iterations / 3)) {
        probe = try ProbeGradients.compute(model: lora, sequences: probeRows, fisher: .empirical)
      }
      guard let probeGradients = probe else { throw LorascopeError.invalidConfiguration("no probe gradients were computed") }
      let tJoint = try median(warmup: 1, iterations: max(3, iterations / 3)) {
        _ = try SpectrumAnalysis.solve(
          gradients: probeGradients, layout: loraLayout, anchor: anchor, metricKind: .softmaxKL, fisherDiagonal: nil,
          selection: .joint, directions: 0)
      }
      let module1024 = loraLayout.modules.firstIndex { $0.count == 1024 } ?? 0
      let tDense = try median(warmup: 1, iterations: max(3, iterations / 3)) {
        _ = try SpectrumAnalysis.solve(
          gradients: probeGradients, layout: loraLayout, anchor: anchor, metricKind: .softmaxKL, fisherDiagonal: nil,
          selection: .module(module1024), dense: true, directions: 0)
      }
      spectrumFigures = (tPerExample, tBatched, tJoint, tDense)
    }

    var evaluation: EvaluationBenchmarkReport?
    if parts.contains(.evaluation) {
      progress("constrained beam search, beam 10, \(evalUsers) Video_Games-like histories")
      evaluation = try EvaluationBenchmark.run(config: config, users: evalUsers, iterations: max(2, iterations / 5))
    }

    return EngineBenchmarkReport(
      blasKernel: BLAS.kernelName, engineThreads: Parallel.workers, batch: batch, seqLen: seqLen,
      fullStepSequencesPerS: Double(batch) / tFull,
      fullStepGflops: fullStepFlops(config: config, batch: batch, seqLen: seqLen) / tFull / 1e9,
      fullStepGemmGflops: fullStepLinearFlops(config: config, batch: batch, seqLen: seqLen)
        / fullPhases.linearGemmSeconds / 1e9,
      loraPesoStepSequencesPerS: Double(batch) / tPeso,
      loraStepSequencesPerS: Double(batch) / tLora,
      loraPesoVariedStepSequencesPerS: Double(varied.count * batch) / tVaried,
      loraPesoVariedPaddedStepSequencesPerS: Double(varied.count * batch) / tVariedPadded,
      loraPesoVariedOneCoreStepSequencesPerS: Double(varied.count * batch) / tVariedOneCore,
      variedTokensPerSequence: variedTokens, variedPaddedTokensPerSequence: variedPadded,
      forwardTokensPerS: Double(bt) / tForward,
      sgemmGflops: gemm, sgemmGflopsAtModelShapes: atShapes,
      perExampleGradientsSeconds: spectrumFigures?.perExample, batchedBackwardSeconds: spectrumFigures?.batched,
      jointLowRankSpectrumSeconds: spectrumFigures?.joint, jointParameters: spectrumFigures == nil ? nil : loraLayout.count,
      dense1024SpectrumSeconds: spectrumFigures?.dense,
      loraVsFullStepRatio: tFull / tPeso, stepPhases: ["full": fullPhases, "lora_peso": pesoPhases],
      evalUsers: evaluation?.users, evalUsersPerS: evaluation?.usersPerS, evalGflops: evaluation?.gflops)
  }

  /// Runs `steps` steps with `StepPhaseClock` on (after one unclocked warm-up) and returns the
  /// mean split of one step.
  static func profile(steps: Int, _ step: () throws -> Void) rethrows -> StepPhaseBreakdown {
    try step()
    StepPhaseClock.reset()
    StepPhaseClock.isRunning = true
    defer { StepPhaseClock.isRunning = false }
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<steps { try step() }
    let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(steps)
    let linear = StepPhaseClock.linearSeconds / Double(steps), attention = StepPhaseClock.attentionSeconds / Double(steps)
    let adapter = StepPhaseClock.adapterSeconds / Double(steps)
    return StepPhaseBreakdown(
      stepSeconds: total, linearGemmSeconds: linear, adapterGemmSeconds: adapter, attentionSeconds: attention,
      otherSeconds: max(0, total - linear - adapter - attention),
      parallelRegions: Double(StepPhaseClock.regions) / Double(steps))
  }
}
