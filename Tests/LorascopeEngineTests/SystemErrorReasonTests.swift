import Foundation
import Testing

@testable import LorascopeEngine

/// A failed file operation is reported in the system's words (SystemErrorReason), not as
/// Foundation's "The operation could not be completed".
@Suite("system error reasons")
struct SystemErrorReasonTests {
  @Test("an errno, an errno inside a Cocoa error and a write to a full device are named in the system's words")
  func reasons() throws {
    let posix = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))
    #expect(SystemErrorReason.of(posix) == String(cString: strerror(ENOSPC)))
    // How Foundation reports a failed copy onto a full disk: a Cocoa error around the errno.
    let wrapped = NSError(domain: NSCocoaErrorDomain, code: NSFileWriteOutOfSpaceError, userInfo: [NSUnderlyingErrorKey: posix])
    #expect(SystemErrorReason.of(wrapped) == String(cString: strerror(ENOSPC)))
    if let full = FileHandle(forWritingAtPath: "/dev/full") {
      do {
        try full.write(contentsOf: Data(repeating: 0, count: 1 << 16))
        Issue.record("a write to /dev/full succeeded")
      } catch {
        #expect(SystemErrorReason.of(error) == String(cString: strerror(ENOSPC)), "\(SystemErrorReason.of(error))")
      }
    }
    #expect(SystemErrorReason.of(LorascopeError.io("x")) == LorascopeError.io("x").description)
  }
}
