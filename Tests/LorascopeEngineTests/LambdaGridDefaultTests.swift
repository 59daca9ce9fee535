import Foundation
import LorascopeEngine
import Testing

/// The default λ grids (Docs/Statistics.md, "λ over decades").
@Suite("λ grid defaults")
struct LambdaGridDefaultTests {
  @Test("PESO's spectrum default spans λ_eff from 10⁻³·min ρ to 10³·max ρ by decades, with 0 and the paper's grid")
  func spectrumDefault() throws {
    let grid = try #require(LambdaGrid.spectrumDefault(resolvedRho: [3e2, 5e3, 0, -1, .nan], adaptedLinears: 28))
    #expect(grid.first == 0)
    #expect(LambdaGrid.paperGrid.allSatisfy(grid.contains))
    let effective = grid.filter { !($0 == 0 || LambdaGrid.paperGrid.contains($0)) }.map { $0 / 28 }
    // 10⁻³·300 = 0.3 → decade 10⁻¹; 10³·5000 = 5e6 → decade 10⁷.
    #expect(effective.count == 9)
    #expect(abs(effective[0] - 0.1) < 1e-12 && abs(effective[8] - 1e7) < 1e-3)
    #expect(effective[0] <= 1e-3 * 3e2 && effective[8] >= 1e3 * 5e3)
    #expect(grid == grid.sorted() && Set(grid).count == grid.count)
    #expect(LambdaGrid.spectrumDefault(resolvedRho: [0, -2], adaptedLinears: 28) == nil)
  }

  @Test("L2/EWC's default holds 0, the paper's grid and 1e-2…1e6")
  func quadraticDefault() {
    let grid = LambdaGrid.quadraticDefault
    #expect(grid.first == 0 && grid.last == 1e6 && grid.contains(0.01) && LambdaGrid.paperGrid.allSatisfy(grid.contains))
  }
}
