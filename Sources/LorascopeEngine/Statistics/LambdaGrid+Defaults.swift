import Foundation

/// The default λ grids of a sweep (Docs/Statistics.md, "λ over decades"; Docs/Math.md §41 for
/// w = ρ/(ρ + λ_eff), λ_eff = λ/|L|).
extension LambdaGrid {
  /// The paper's grid, kept in every default so its results can be read off the same sweep.
  public static let paperGrid: [Double] = [0.5, 1, 2, 5, 8]

  /// PESO's default from a spectrum's resolved ρ (its finite part above the zero cluster):
  /// 0, the paper's grid, and λ = |L|·λ_eff for λ_eff on every decade from 10⁻³·min ρ to
  /// 10³·max ρ — from where every resolved direction keeps weight w > 0.999 (the anchor inert)
  /// to where every one has w < 0.001 (the adapter frozen). Nil when no ρ is resolved.
  public static func spectrumDefault(resolvedRho: [Double], adaptedLinears: Int) -> [Double]? {
    let rho = resolvedRho.filter { $0.isFinite && $0 > 0 }
    guard let low = rho.min(), let high = rho.max(), adaptedLinears >= 1 else { return nil }
    let first = Int((log10(1e-3 * low)).rounded(.down))
    let last = Int((log10(1e3 * high)).rounded(.up))
    let decades = (first...last).map {
      ProximalStrength.lambda(forEffective: pow(10, Double($0)), adaptedLinears: adaptedLinears)
    }
    return Array(Set([0] + paperGrid + decades)).sorted()
  }

  /// L2's and EWC's default: 0, the paper's grid and the decades 10⁻²…10⁶. Their λ weighs another
  /// quantity (a squared parameter distance, plain or Fisher-weighted), so PESO's ρ does not set
  /// their scale; the decades run from inert to frozen on the models this tool trains.
  public static let quadraticDefault: [Double] =
    Array(Set([0] + paperGrid + (-2...6).map { pow(10, Double($0)) })).sorted()
}
