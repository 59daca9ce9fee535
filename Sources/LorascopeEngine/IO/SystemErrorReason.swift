import Foundation

/// The operating system's words for a failed file operation: Foundation wraps an errno in a
/// Cocoa error whose own text ("The operation could not be completed") names neither the
/// cause nor the remedy, while its underlying POSIX error says "No space left on device".
enum SystemErrorReason {
  static func of(_ error: Error) -> String {
    if let lorascope = error as? LorascopeError { return lorascope.description }
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(underlying.code)))
    }
    return error.localizedDescription
  }
}
