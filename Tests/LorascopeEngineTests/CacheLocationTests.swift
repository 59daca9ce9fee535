import Foundation
import Testing

@testable import LorascopeEngine

/// The cache directory comes from the environment, never from the password database (issue 26,
/// defect 7): containers, CI and batch jobs set $HOME to where they may write.
@Suite struct CacheLocationTests {
  @Test func environmentOrder() {
    #expect(CacheLocation.resolve(environment: ["LORASCOPE_CACHE": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"])?.path == "/c")
    #expect(CacheLocation.resolve(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"])?.path == "/x/lorascope/backbones")
    #expect(CacheLocation.resolve(environment: ["HOME": "/h"])?.path == "/h/.cache/lorascope/backbones")
    // Empty or relative XDG/HOME values are not cache locations (XDG base-directory spec).
    #expect(CacheLocation.resolve(environment: ["LORASCOPE_CACHE": "", "XDG_CACHE_HOME": "rel", "HOME": "/h"])?.path == "/h/.cache/lorascope/backbones")
    #expect(CacheLocation.resolve(environment: ["HOME": ""]) == nil)
    #expect(CacheLocation.resolve(environment: [:]) == nil)
  }
}
