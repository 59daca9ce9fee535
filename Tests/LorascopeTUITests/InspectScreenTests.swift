import LorascopeEngine
import Testing

@testable import LorascopeTUI

/// The inspect screen of an imported run (issue 13): header, heat map, selected module, λ.
@Suite("Inspect screen")
struct InspectScreenTests {
  static func row(stage: Int, linear: String, factor: String, exact: Double, bf16: Double, hMax: Double) -> ModulePenalty {
    ModulePenalty(
      stage: stage, module: "\(linear).\(factor)", linear: linear, factor: factor, entries: 64, penaltyExact: exact,
      penaltyBF16: bf16, penaltyQuadratic: exact, displacementFro: 0.1, displacementH: 0.01, hMax: hMax, hMinPositive: hMax / 4,
      lambdaEff: 1, stiffness: hMax, weightedPenalty: exact, bf16RelativeError: abs(bf16 - exact) / exact, verdict: "may hold")
  }

  static func data(spectrum: Bool, bf16Factor: Double = 1.1) -> InspectData {
    var rows: [ModulePenalty] = []
    for stage in 1...2 {
      for layer in 0..<2 {
        for kind in ["self_attn.q_proj", "mlp.down_proj"] {
          for factor in ["A", "B"] {
            let exact = 1e-3 * Double(stage + layer + 1)
            rows.append(row(stage: stage, linear: "model.layers.\(layer).\(kind)", factor: factor, exact: exact, bf16: exact * bf16Factor, hMax: 0.02))
          }
        }
      }
    }
    let s = GeneralizedSpectrum(
      rho: [5, 1, 0.2, 0], directions: nil, shiftRho: [], gaugeCount: 1, shiftFraction: [0, 0, 0, 0], eps: [1e-5],
      method: .lowRank, dimension: 4, sampleCount: 4, zeroCutoff: 1e-9)
    return InspectData(
      runPath: "/runs/peso", sources: ["/ckpt/block_0", "/ckpt/block_1", "/ckpt/block_2"], adaptedLinears: 4, rows: rows,
      spectrum: spectrum ? (2, "joint (8 modules)", s) : nil)
  }

  func render(_ screen: InspectScreen) -> CellBuffer {
    var buffer = CellBuffer(size: TerminalSize(rows: 30, cols: 120))
    screen.draw(into: &buffer, glyphs: .block)
    return buffer
  }

  @Test func headerSaysImportedAndFromWhere() {
    var screen = InspectScreen(data: Self.data(spectrum: false, bf16Factor: 3), lambda: 2, curvatureFloor: 1e-4)
    var text = render(screen).text()
    #expect(text.contains("imported run (read-only, no training)") && text.contains("/runs/peso"))
    #expect(text.contains("stage 1 vs 0") && text.contains("from /ckpt/block_1"))
    #expect(text.contains("L0.A") && text.contains("L1.B") && text.contains("down") && text.contains("q"))
    #expect(text.contains("P exact 0.002") && text.contains("verdict: bf16 noise"))
    _ = screen.handle(.character("g"))
    _ = screen.handle(.character("b"))
    text = render(screen).text()
    #expect(text.contains("stage 2 vs 1") && text.contains("from /ckpt/block_2") && text.contains("bf16 (released code)"))
    let keepsOpen = screen.handle(.character("q"))
    #expect(!keepsOpen)
  }

  @Test func weightsAndVerdictMoveWithLambda() {
    var screen = InspectScreen(data: Self.data(spectrum: true), lambda: 2, curvatureFloor: 1e-2)
    // λ_eff = 0.5: ρ = 5 and 1 have w > ½; λ_eff·h_max = 0.01 is not below the floor 0.01.
    var text = render(screen).text()
    #expect(text.contains("w > ½: 2") && text.contains("verdict: may hold"))
    _ = screen.handle(.character("-"))  // λ = 1, λ_eff = 0.25: ρ = 0.2 still below, verdict inert (0.005 < 0.01)
    text = render(screen).text()
    #expect(screen.lambda == 1 && text.contains("λ_eff = 0.25") && text.contains("verdict: inert"))
    for _ in 0..<6 { _ = screen.handle(.character("+")) }  // the ladder: 2, 5, 10, 20, 50, 100; λ_eff = 25: every w < ½
    text = render(screen).text()
    #expect(screen.lambda == 100 && text.contains("w > ½: 0"))
    _ = screen.handle(.character("/"))
    #expect(screen.lambda == 10)
    _ = screen.handle(.character("*"))
    #expect(screen.lambda == 100)
    _ = screen.handle(.character("0"))
    #expect(screen.lambda == 0)
  }

  @Test("the inspect keys come from the key table: its bar, its own help section, none in the training screen's help")
  func keysFromTheTable() {
    let screen = InspectScreen(data: Self.data(spectrum: false), lambda: 2, curvatureFloor: 1e-4)
    let bottom = render(screen).text().split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? ""
    for label in ["quit", "stage", "exact/bf16"] { #expect(bottom.contains(label), "\(bottom)") }
    let inspectHelp = HelpOverlay(contexts: [.inspect]).lines(glyphs: .block).map(\.description).joined(separator: "\n")
    #expect(inspectHelp.contains("P_g exact / in the released code's bf16"))
    let dashboardHelp = HelpOverlay().lines(glyphs: .block).map(\.keys).joined(separator: "\n")
    #expect(!dashboardHelp.contains("Inspect screen"))
    #expect(KeyMap.standard.conflicts().isEmpty)
  }
}
