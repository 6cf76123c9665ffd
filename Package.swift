// swift-tools-version:6.1
import PackageDescription

/// Language features every target opts into, set once so modules cannot drift apart.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "reactivate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "reactivate", targets: ["reactivate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        // C libraries, seen only by their thin wrappers.
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),

        // Thin adapters.
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Artifacts", dependencies: ["CZstd"]),

        // Pure computational core: no I/O, no logging.
        .target(name: "ReactivateCore"),

        // The demo world: a seeded synthetic retailer (pure, no I/O) and its database loader and
        // campaign simulator. The product modules never depend on these.
        .target(name: "ReactivateSimulation", dependencies: ["ReactivateCore"]),
        .target(
            name: "ReactivateDemo",
            dependencies: [
                "ReactivateSimulation", "ReactivatePipeline", "ReactivateCore", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Stages, ledger, migrations.
        .target(
            name: "ReactivatePipeline",
            dependencies: [
                "ReactivateCore", "Postgres", "Artifacts",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: []),

        // The analyst report: loads stored results, renders HTML/CSV/Markdown through escaping templates.
        .target(name: "ReactivateReports", dependencies: ["ReactivateCore", "Postgres", "Artifacts", "ReactivatePipeline"]),

        // Command line: argument parsing, log handlers, exit codes.
        .target(
            name: "ReactivateCLI",
            dependencies: [
                "ReactivatePipeline", "ReactivateReports", "ReactivateCore", "Postgres", "ReactivateDemo", "ReactivateSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "reactivate", dependencies: ["ReactivateCLI"]),

        // Shared by the database tests: a fresh database per test on the server the Makefile started, private
        // clusters, and the sharded source of issue 13 (which migrates the coordinator, hence the pipeline).
        .target(
            name: "ReactivateTestSupport",
            dependencies: ["Postgres", "ReactivatePipeline", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support"),

        .testTarget(name: "ReactivateCoreTests", dependencies: ["ReactivateCore", "ReactivateSimulation"]),
        .testTarget(name: "ReactivateSimulationTests", dependencies: ["ReactivateSimulation", "ReactivateCore"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "ReactivateTestSupport"]),
        .testTarget(name: "ArtifactsTests", dependencies: ["Artifacts"]),
        .testTarget(
            name: "ReactivatePipelineTests",
            dependencies: [
                "ReactivatePipeline", "ReactivateReports", "ReactivateCore", "Postgres", "Artifacts", "ReactivateTestSupport",
                "ReactivateDemo", "ReactivateSimulation",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "ReactivateReportsTests", dependencies: ["ReactivateReports", "Artifacts"]),
        .testTarget(name: "ReactivateCLITests", dependencies: ["ReactivateCLI", "Postgres", "Artifacts", "ReactivateTestSupport"]),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
