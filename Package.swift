// swift-tools-version: 6.1
//
// lorascope: a terminal workbench for the stability–plasticity trade-off in
// continual LoRA training of a generative recommender (see Docs/Architecture.md).

import PackageDescription

let package = Package(
  name: "lorascope",
  platforms: [.macOS(.v15)],
  products: [
    // Only the application is offered. The engine is not a library product: its debug build
    // uses an unsafe flag (below), which SwiftPM forbids in a versioned dependency, and its API
    // is shaped for this program, not kept stable for others (Docs/Architecture.md "Products").
    .executable(name: "lorascope", targets: ["lorascope"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // The streaming CSV/TSV reader of `data build` (Docs/Design.md §4.4).
    .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
  ],
  targets: [
    // MARK: - System libraries (Debian: libopenblas-dev, liblapacke-dev, libncursesw5-dev)

    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CLAPACKE", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
    // No pkgConfig for ncursesw: its .pc file's cflags are only -D_DEFAULT_SOURCE and
    // -D_XOPEN_SOURCE=600, which SwiftPM refuses with a warning on every build. The shim asks for
    // the wide API itself and the module map links ncursesw (Docs/Design.md §B.1).
    .systemLibrary(name: "CNcursesw", providers: [.apt(["libncursesw5-dev"])]),

    // MARK: - The engine: numerics, model, continual methods, spectrum, data, evaluation, files

    .target(
      name: "LorascopeEngine",
      dependencies: ["COpenBLAS", "CLAPACKE", .product(name: "CSV", package: "CSV.swift")],
      // The engine's loops are the product's hot path: optimize them in debug builds too, so
      // `swift test` (debug) trains the test models in seconds, not minutes.
      swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),

    // MARK: - What the product ships: the top-level Assets/ folder as a resources target

    .target(
      name: "LorascopeAssets",
      path: "Assets",
      exclude: ["Screenshots", "README.md"],
      resources: [.copy("demo.json"), .copy("themes"), .copy("Data")]),

    // MARK: - The screen (ncurses) on top of the engine

    .target(
      name: "LorascopeTUI",
      dependencies: ["LorascopeEngine", "LorascopeAssets", "CNcursesw"]),

    // MARK: - The command line

    .executableTarget(
      name: "lorascope",
      dependencies: [
        "LorascopeEngine",
        "LorascopeAssets",
        "LorascopeTUI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // MARK: - Tests

    .testTarget(
      name: "LorascopeEngineTests",
      dependencies: ["LorascopeEngine", "LorascopeAssets"]),
    .testTarget(
      name: "LorascopeTUITests",
      dependencies: ["LorascopeTUI"]),
    .testTarget(
      name: "LorascopeCLITests",
      dependencies: ["lorascope", "LorascopeEngine", "LorascopeAssets"]),
  ]
)
