// swift-tools-version:6.1
import PackageDescription
import Foundation

// The parent package's identity is its folder name (whatever the clone is called).
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// Benchmarks live in their own package so the main build stays lean.
// Each area has its own executable; figures and the commands that made them go in docs/benchmarks.md.
let package = Package(
    name: "AegisBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(name: "EmbedBench", dependencies: [.product(name: "AegisEmbedding", package: parent)], path: "Sources/EmbedBench"),
        .executableTarget(name: "EngineBench", dependencies: [.product(name: "AegisEngine", package: parent), .product(name: "AegisEmbedding", package: parent), .product(name: "AegisStorage", package: parent)], path: "Sources/EngineBench"),
        .executableTarget(name: "LogBench", dependencies: [.product(name: "AegisLog", package: parent)], path: "Sources/LogBench"),
        .executableTarget(name: "HTTPBench", path: "Sources/HTTPBench", swiftSettings: [.swiftLanguageMode(.v5)]),
        .executableTarget(name: "OpsBench", path: "Sources/OpsBench"),
        .executableTarget(name: "StorageBench", dependencies: [.product(name: "AegisStorage", package: parent), .product(name: "AegisLog", package: parent), .product(name: "AegisCore", package: parent)], path: "Sources/StorageBench"),
    ],
    swiftLanguageModes: [.v6]
)
