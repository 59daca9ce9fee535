import Foundation

/// A list of λ values as the command line writes it (Docs/Statistics.md, "λ over decades": the
/// anchor acts only about four decades above the paper's grid, so grids span decades).
///
/// Grammar: comma-separated terms; a term is a number (`0`, `2.5`, `3e4`) or a geometric range
/// `start:stop:xF` — start, start·F, start·F², … up to stop (inclusive within rounding), F > 1.
/// `0,1e1:1e6:x10` is 0, 10, 100, …, 10⁶. Values are sorted and de-duplicated; each must be finite
/// and ≥ 0.
public enum LambdaGrid {
  /// The most values one grid may expand to (a typo like `1e-9:1e9:x1.0001` must not hang a sweep).
  public static let maximumCount = 10_000

  public static func parse(_ text: String, option: String = "--lambdas") throws -> [Double] {
    var values: [Double] = []
    let terms = text.split(separator: ",", omittingEmptySubsequences: false)
    for raw in terms {
      let term = raw.trimmingCharacters(in: .whitespaces)
      guard !term.isEmpty else {
        throw LorascopeError.usage("\(option): empty term in \"\(text)\"")
      }
      if term.contains(":") {
        values += try range(term, option: option)
      } else {
        values.append(try number(term, option: option))
      }
      guard values.count <= maximumCount else {
        throw LorascopeError.usage("\(option): \"\(text)\" expands to more than \(maximumCount) values")
      }
    }
    return Array(Set(values)).sorted()
  }

  static func number(_ term: String, option: String) throws -> Double {
    guard let value = Double(term), value.isFinite else {
      throw LorascopeError.usage("\(option): \"\(term)\" is not a finite number")
    }
    guard value >= 0 else {
      throw LorascopeError.usage("\(option): λ = \(term) is negative; λ must be ≥ 0")
    }
    guard value <= ProximalStrength.maximumLambda else {
      throw LorascopeError.usage("\(option): λ = \(term) is above the largest λ lorascope trains with (\(ProximalStrength.maximumLambda))")
    }
    return value
  }

  static func range(_ term: String, option: String) throws -> [Double] {
    let parts = term.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 3, parts[2].hasPrefix("x") else {
      throw LorascopeError.usage(
        "\(option): \"\(term)\" is not a range; write start:stop:xFACTOR, e.g. 1e1:1e6:x10")
    }
    let start = try number(parts[0], option: option)
    let stop = try number(parts[1], option: option)
    guard let factor = Double(parts[2].dropFirst()), factor.isFinite, factor > 1 else {
      throw LorascopeError.usage("\(option): the factor in \"\(term)\" must be a number > 1")
    }
    guard start > 0 else {
      throw LorascopeError.usage("\(option): a geometric range cannot start at 0 (\"\(term)\"); list 0 apart")
    }
    guard stop >= start else {
      throw LorascopeError.usage("\(option): \"\(term)\" stops below its start")
    }
    // Count the steps in log space so 1e1·10⁵ lands on 1e6 despite rounding.
    let stepCount = ((log(stop) - log(start)) / log(factor) + 1e-9).rounded(.down)
    guard stepCount < Double(maximumCount) else {
      throw LorascopeError.usage("\(option): \"\(term)\" expands to more than \(maximumCount) values")
    }
    return (0...Int(stepCount)).map { start * pow(factor, Double($0)) }
  }
}
