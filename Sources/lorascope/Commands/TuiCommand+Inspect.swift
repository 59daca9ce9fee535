import ArgumentParser
import Foundation
import LorascopeEngine
import LorascopeTUI

/// `lorascope tui --run-dir RUN` on an imported run: the inspect screen (issue 13), no training.
extension TuiCommand {
  func runInspect(runDir: String, look: NcursesScreen.Options) throws {
    let data = try inspectData(runDir: runDir)
    let status = try InspectScreen.run(
      data: data, lambda: options.lambda, curvatureFloor: PenaltyInspection.defaultCurvatureFloor, options: look)
    if status != 0 { throw ExitCode(status) }
  }

  /// Everything the screen shows, computed before it opens (the spectrum streams the
  /// gradient files module by module, as `spectrum --gradients` does).
  func inspectData(runDir: String) throws -> InspectData {
    let run = try ImportedRun.open(URL(fileURLWithPath: runDir))
    let (rows, _) = try PenaltyInspection.inspect(run: run, lambda: options.lambda)
    var spectrum: (stage: Int, label: String, spectrum: GeneralizedSpectrum)? = nil
    if !gradients.isEmpty {
      let stage = gradientStage ?? (run.stageCount - 1)
      guard stage >= 1, stage < run.stageCount else {
        throw ValidationError("--gradient-stage must be in 1…\(run.stageCount - 1): H_{t−1} needs the stage before it")
      }
      StandardStreams.writeError("lorascope: streaming the spectrum of stage \(stage) from \(gradients.count) gradient file(s)…\n")
      let files = try GradientFiles(paths: gradients)
      let solved = try StreamedSpectrumSolver.solve(
        gradients: files, selection: Array(files.modules.indices),
        anchorLogits: { try run.factorValues(stage: stage - 1, module: try run.module(matching: $0)) })
      spectrum = (stage, "joint (\(files.modules.count) modules)", solved)
    }
    return InspectData(
      runPath: run.url.path, sources: run.manifest.stages.map(\.source), adaptedLinears: run.manifest.adaptedLinears,
      rows: rows, spectrum: spectrum)
  }
}
