// swift-tools-version:6.1
import PackageDescription
import Foundation

// Host-CPU code generation (docs/configuration.md, "Build"): on an x86-64 Linux build host with
// AVX2+FMA the kernel modules are compiled for that CPU class (`-target-cpu haswell`, FMA kernels
// under `AEGIS_AVX2_FMA`); the executable checks the running CPU before any of their code runs
// (HostCPU, AegisCore). AEGIS_PORTABLE=1 at build time gives a baseline x86-64 build.
let hostCPUFlags: [String] = {
    #if arch(x86_64) && os(Linux)
    if ProcessInfo.processInfo.environment["AEGIS_PORTABLE"] == nil,
       let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
       cpu.contains(" avx2"), cpu.contains(" fma") {
        return ["-target-cpu", "haswell", "-D", "AEGIS_AVX2_FMA"]
    }
    #endif
    return []
}()
// AegisEmbeddingKernels (MiniLM matrix kernels) is always optimised, so debug test runs stay fast.
let embeddingKernelSettings: [SwiftSetting] = [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"] + hostCPUFlags)]
// AegisVector's kernels are @inlinable: every module that inlines them (AegisHNSW, AegisEngine and
// their tests) is built the same way, or it would inline an FMA without the instruction (a slow libcall).
let vectorKernelSettings: [SwiftSetting] = hostCPUFlags.isEmpty ? [] : [.unsafeFlags(hostCPUFlags)]

// Module map and dependency rules: see docs/architecture.md (mirrors shared design).
// Only AegisLog touches raw file descriptors; only AegisHTTP imports Hummingbird; only the executable reads the environment.
// AegisMCP (MCP tools over the engine) imports the MCP SDK and AegisWire, never AegisHTTP.
let package = Package(
    name: "aegis-memory",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aegis-memory", targets: ["aegis-memory"]),
        .library(name: "AegisCore", targets: ["AegisCore"]),
        .library(name: "AegisLog", targets: ["AegisLog"]),
        .library(name: "AegisStorage", targets: ["AegisStorage"]),
        .library(name: "AegisVector", targets: ["AegisVector"]),
        .library(name: "AegisHNSW", targets: ["AegisHNSW"]),
        .library(name: "AegisEmbedding", targets: ["AegisEmbedding"]),
        .library(name: "AegisEngine", targets: ["AegisEngine"]),
        .library(name: "AegisLexical", targets: ["AegisLexical"]),
        .library(name: "AegisExport", targets: ["AegisExport"]),
        .library(name: "AegisWire", targets: ["AegisWire"]),
        .library(name: "AegisMCP", targets: ["AegisMCP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CXXHash", path: "Sources/CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .target(name: "AegisCore"),
        .target(name: "AegisLog", dependencies: ["CLZ4", "CXXHash"]),
        .target(name: "AegisStorage", dependencies: ["AegisCore", "AegisLog"]),
        .target(name: "AegisVector", swiftSettings: vectorKernelSettings),
        .target(name: "AegisHNSW", dependencies: ["AegisVector", "CXXHash"], swiftSettings: vectorKernelSettings),
        .target(name: "AegisEmbeddingKernels", swiftSettings: embeddingKernelSettings),
        .target(name: "AegisEmbedding", dependencies: ["AegisCore", "AegisEmbeddingKernels"]),
        .target(name: "AegisLexical"),
        .target(name: "AegisEngine", dependencies: ["AegisCore", "AegisStorage", "AegisVector", "AegisHNSW", "AegisLexical"], swiftSettings: vectorKernelSettings),
        .target(name: "AegisExport", dependencies: ["AegisCore", "AegisEngine", "AegisStorage", "AegisLog"]),
        // Wire format shared by REST and MCP: JSON reader/writer, request validation, response encoding.
        .target(name: "AegisWire", dependencies: ["AegisCore", "AegisEngine"]),
        .target(name: "AegisHTTP", dependencies: [
            "AegisCore", "AegisEngine", "AegisExport", "AegisWire", "AegisMCP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.embedInCode("UI/Assets/index.html"), .embedInCode("UI/Assets/app.css"), .embedInCode("UI/Assets/app.js"), .embedInCode("UI/Assets/icon.svg")]),
        // MCP tools and resources over the engine (docs/mcp.md); the HTTP transport is mounted by AegisHTTP.
        .target(name: "AegisMCP", dependencies: [
            "AegisCore", "AegisEngine", "AegisWire",
            .product(name: "MCP", package: "swift-sdk"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "aegis-memory", dependencies: [
            "AegisCore", "AegisLog", "AegisStorage", "AegisVector", "AegisHNSW", "AegisEmbedding",
            "AegisEngine", "AegisExport", "AegisHTTP", "AegisLexical", "AegisMCP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "AegisCoreTests", dependencies: ["AegisCore"]),
        .testTarget(name: "AegisLogTests", dependencies: ["AegisLog"]),
        .testTarget(name: "AegisStorageTests", dependencies: ["AegisStorage", "AegisLog", "AegisCore"]),
        .testTarget(name: "AegisVectorTests", dependencies: ["AegisVector"], swiftSettings: vectorKernelSettings),
        .testTarget(name: "AegisHNSWTests", dependencies: ["AegisHNSW", "AegisVector"], swiftSettings: vectorKernelSettings),
        .testTarget(name: "AegisEmbeddingTests", dependencies: ["AegisEmbedding", "AegisCore"]),
        .testTarget(name: "AegisEngineTests", dependencies: ["AegisEngine", "AegisCore", "AegisStorage", "AegisEmbedding", "AegisHNSW", "AegisVector"], swiftSettings: vectorKernelSettings),
        .testTarget(name: "AegisExportTests", dependencies: ["AegisExport", "AegisEngine", "AegisCore", "AegisStorage"]),
        .testTarget(name: "AegisMCPTests", dependencies: ["AegisMCP", "AegisEngine", "AegisCore", "AegisEmbedding", .product(name: "MCP", package: "swift-sdk")]),
        .testTarget(name: "AegisLexicalTests", dependencies: ["AegisLexical"]),
        .testTarget(name: "AegisHTTPTests", dependencies: ["AegisHTTP", "AegisWire", "AegisEngine", "AegisCore", "AegisVector", .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v6]
)
