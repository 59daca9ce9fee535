// swift-tools-version: 6.1
//
// lorascope: a terminal workbench for the stability–plasticity trade-off in
// continual LoRA training of a generative recommender (see Docs/Architecture.md).

import PackageDescription

let package = Package(
  name: "lorascope",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "lorascope", targets: ["lorascope"]),
    .library(name: "LorascopeEngine", targets: ["LorascopeEngine"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // MARK: - System libraries (Debian: libopenblas-dev, liblapacke-dev, libncursesw5-dev)

    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CLAPACKE", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
    .systemLibrary(
      name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),

    // MARK: - The engine: numerics, model, continual methods, spectrum, data, evaluation, files

    .target(
      name: "LorascopeEngine",
      dependencies: ["COpenBLAS", "CLAPACKE"],
      // The engine's loops are the product's hot path: optimize them in debug builds too, so
      // `swift test` (debug) trains the test models in seconds, not minutes.
      swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),

    // MARK: - The screen (ncurses) on top of the engine

    .target(
      name: "LorascopeTUI",
      dependencies: ["LorascopeEngine", "CNcursesw"],
      resources: [.copy("Assets")]),

    // MARK: - The command line

    .executableTarget(
      name: "lorascope",
      dependencies: [
        "LorascopeEngine",
        "LorascopeTUI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // MARK: - Tests

    .testTarget(
      name: "LorascopeEngineTests",
      dependencies: ["LorascopeEngine"]),
    .testTarget(
      name: "LorascopeTUITests",
      dependencies: ["LorascopeTUI"]),
    .testTarget(
      name: "LorascopeCLITests",
      dependencies: ["lorascope", "LorascopeEngine"]),
  ]
)
