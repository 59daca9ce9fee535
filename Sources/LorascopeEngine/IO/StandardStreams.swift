import Foundation

/// Writing to standard error and standard output without trapping. `FileHandle.write(_:)` (the
/// non-throwing form) traps when the descriptor is closed (`2>&-`) or the device is full, so a
/// run whose work was done and saved died at its last progress line. A lost diagnostic is not
/// worth a crash; lost results are an error that says so.
public enum StandardStreams {
  /// A diagnostic on standard error; dropped when standard error cannot take it.
  public static func writeError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
  }

  /// Results on standard output; an error naming `what` and the reason when it cannot take them.
  public static func writeOutput(_ data: Data, what: String) throws {
    do {
      try FileHandle.standardOutput.write(contentsOf: data)
    } catch {
      throw LorascopeError.io("cannot write \(what) to standard output: \(SystemErrorReason.of(error))")
    }
  }

  /// Descriptors 0, 1 and 2 that were closed at start (`2>&-`) are opened on /dev/null. Otherwise
  /// the first file the program opens takes the lowest free number — 2 — and every diagnostic
  /// meant for standard error is written into that file (a dataset, a lock, a run's log).
  public static func reopenClosedDescriptors() {
    for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 {
      // open returns the lowest free descriptor: this one, as the lower ones are open by now.
      _ = open("/dev/null", O_RDWR)
    }
  }
}
