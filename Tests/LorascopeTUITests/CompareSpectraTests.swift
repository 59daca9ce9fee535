import Foundation
import Synchronization
import Testing

@testable import LorascopeEngine
@testable import LorascopeTUI

/// The compare screen's spectra: computed off the caller's thread, once per stage, kept.
@Suite("Compare screen spectra")
struct CompareSpectraTests {
  @Test("a stage is computed once for every run, in the background, and kept; a failing run is reported, not fatal")
  func computedOnceAndKept() throws {
    let calls = Mutex<[String]>([])
    let spectra = CompareSpectra(runs: 2) { run, stage in
      calls.withLock { $0.append("\(run)/\(stage)") }
      if run == 1 { throw LorascopeError.usage("run 1 has no data") }
      let spectrum = GeneralizedSpectrum(
        rho: [5, 1], directions: nil, shiftRho: [], gaugeCount: 0, shiftFraction: [0, 0], eps: [1e-5],
        method: .lowRank, dimension: 2, sampleCount: 2, zeroCutoff: 1e-9)
      return CompareSpectra.Entry(spectrum: spectrum, strength: try ProximalStrength(lambda: 2, adaptedLinears: 1))
    }
    #expect(spectra.state(stage: 1) == nil)
    spectra.request(stage: 1)
    spectra.request(stage: 1)
    let deadline = Date().addingTimeInterval(10)
    while spectra.isBusy && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    guard case .done(let results)? = spectra.state(stage: 1) else {
      Issue.record("stage 1 not computed")
      return
    }
    #expect(try results[0].get().spectrum.rho == [5, 1])
    #expect(throws: LorascopeError.self) { try results[1].get() }
    spectra.request(stage: 1)
    Thread.sleep(forTimeInterval: 0.05)
    #expect(calls.withLock { $0 } == ["0/1", "1/1"])
  }
}
