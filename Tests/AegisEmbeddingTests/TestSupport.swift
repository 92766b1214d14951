import Foundation
@testable import AegisEmbedding

/// Paths the tests need, derived from this file's location (no ../shared at test time).
enum TestPaths {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repoRoot.appendingPathComponent("Fixtures")
    /// `AEGIS_MODEL_DIR` or `<repo>/models/all-MiniLM-L6-v2` (fetched by `make models`).
    static var modelDirectory: String {
        if let d = ProcessInfo.processInfo.environment["AEGIS_MODEL_DIR"], !d.isEmpty { return d }
        return repoRoot.appendingPathComponent("models/all-MiniLM-L6-v2").path
    }
}

/// One MiniLM instance shared by all tests (loading takes ~0.5 s).
enum SharedModel {
    static let embedder: Result<MiniLMEmbedder, Error> = Result { try MiniLMEmbedder(modelDirectory: TestPaths.modelDirectory) }
    static func get() throws -> MiniLMEmbedder { try embedder.get() }
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var d = 0.0, na = 0.0, nb = 0.0
    for i in 0..<min(a.count, b.count) { d += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i]) }
    return d / ((na * nb).squareRoot() + 1e-30)
}

func temporaryDirectory(_ tag: String = "embed") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
