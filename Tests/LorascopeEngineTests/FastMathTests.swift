import Foundation
@testable import LorascopeEngine
import Testing

@Suite("Vectorized exp")
struct FastMathTests {
  @Test("matches Foundation.exp to 3e-7 relative over the range softmax and SiLU use")
  func accuracy() {
    var worst: Float = 0
    var x: Float = -87
    while x < 88 {
      let got = FastMath.exp(x), want = Foundation.exp(x)
      worst = max(worst, abs(got - want) / want)
      x += 0.0137
    }
    #expect(worst < 3e-7, "worst relative error \(worst)")
    // Far below the range it saturates to a tiny positive number, never NaN.
    #expect(FastMath.exp(-Float.infinity) >= 0 && FastMath.exp(-Float.infinity) < 1e-37)
    #expect(FastMath.exp(0) == 1)
  }

  @Test("in-place exp handles lengths that are not a multiple of 8")
  func tails() {
    for n in [1, 7, 8, 9, 23] {
      var v = (0..<n).map { Float($0) * 0.3 - 2 }
      let want = v.map { Foundation.exp($0) }
      v.withUnsafeMutableBufferPointer { FastMath.expInPlace($0.baseAddress!, count: n) }
      #expect(zip(v, want).allSatisfy { abs($0 - $1) <= 3e-7 * $1 })
    }
  }
}
