import Foundation
import Testing

@testable import lorascope

/// The progress texts (Docs/Design.md §8): bar, rate and ETA on a terminal, plain lines otherwise.
@Suite("Progress")
struct ProgressTests {
  @Test("the bar shows the fraction, the rate and the ETA; the plain line the same without redraws")
  func texts() {
    let bar = ProgressReporter.bar(name: "stage 1 adapter", step: 50, total: 200, elapsed: 10, width: 20)
    #expect(bar.hasPrefix("stage 1 adapter █████░░░░░░░░░░░░░░░ 50/200"))
    #expect(bar.contains("5.0 steps/s") && bar.hasSuffix("ETA 30s"))
    let plain = ProgressReporter.plain(name: "stage 0 backbone", step: 300, total: 1000, elapsed: 60)
    #expect(plain == "stage 0 backbone: 300/1000 steps (30 %), 5.0 steps/s  ETA 2m20s")
    #expect(ProgressReporter.rateAndETA(step: 0, total: 10, elapsed: 0) == "-- steps/s  ETA --")
    #expect(!plain.contains("\u{1B}"))
  }

  @Test("durations and the per-run ETA of a sweep")
  func durations() {
    #expect(ProgressReporter.duration(42) == "42s")
    #expect(ProgressReporter.duration(185) == "3m05s")
    #expect(ProgressReporter.duration(7620) == "2h07m")
    #expect(ProgressReporter.duration(.nan) == "--")
    #expect(ProgressReporter.jobTiming(done: 0, total: 10, elapsed: 0) == "")
    #expect(ProgressReporter.jobTiming(done: 2, total: 10, elapsed: 120) == "  (2 done in 2m00s, ETA 8m00s)")
  }
}
