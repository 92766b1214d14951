import Testing
import AegisCore
import AegisStorage
import AegisEmbedding
import AegisVector
@testable import AegisEngine

/// `AegisEngine.memoryUsage()` components from the real structures (docs/operations.md,
/// "Memory") and failed-graph reporting ("Failed graphs").
@Suite struct MemoryUsageTests {
    func open(_ dir: String) async throws -> AegisEngine {
        try await AegisEngine.open(directory: dir, embedder: try HashingEmbedder(dimension: 64))
    }

    @Test func componentsFollowTheStructures() async throws {
        let dir = tempDir("memusage")
        defer { removeTree(dir) }
        var e = try await open(dir)
        for i in 0..<300 { _ = try await e.addText("memory usage row \(i) about topic \(i % 7)") }
        var u = e.memoryUsage()
        // New vectors sit in the store's tail chunks (8,192 vectors × 64 floats), none mapped yet.
        #expect(u.vectorsMapped == 0)
        #expect(u.vectorsTail == 8192 * 64 * 4)
        #expect(u.graph > 0 && u.codes > 0)
        #expect(u.vectorsEngine == 0, "the engine holds no vector copy (it reads the store's rows)")
        #expect(u.rows > 300 * 16 && u.indexes > 0)
        #expect(u.components.map(\.name) == ["vectors_mapped", "vectors_tail", "vectors_engine", "codes", "graph", "rows", "indexes", "other"])
        #expect(u.total == u.components.reduce(0) { $0 + $1.bytes })
        try await e.close()

        // After a checkpoint and a restart the vectors come from the snapshot's mapped section.
        e = try await open(dir)
        u = e.memoryUsage()
        #expect(u.vectorsMapped == 300 * 64 * 4)
        #expect(u.vectorsTail == 0)
        #expect(e.health().indexesLoadedFromCheckpoint == 1)
        try await e.close()

        // `stats` estimates the same components from the read-only store and its saved graphs.
        let store = try Store.openReadOnly(directory: dir)
        let summary = IndexVerifier.summary(of: store)
        let est = MemoryUsage.estimate(store: store, savedIndex: summary)
        #expect(est.vectorsMapped == u.vectorsMapped)
        #expect(est.graph == u.graph && est.codes == u.codes)
    }

    @Test func failedGraphIsReportedOnce() async throws {
        let e = try await makeEngine()
        for i in 0..<50 { _ = try await e.addText("graph failure \(i)", agent: "a1", scope: .global) }
        #expect(e.health().failedIndexes.isEmpty)
        // A non-finite row makes the real graph insert throw: the graph is marked failed.
        let bad = StableVectorRows(dimension: 64)
        let row = bad.append([Float](repeating: .nan, count: 64))
        e.spaces.withSpace(P) { $0?.ann?.insert(slot: 10_000, row: row) }
        let failed = e.health().failedIndexes
        #expect(failed.keys.sorted() == [P])
        #expect(e.health().ready)  // still ready: searches fall back to exact scans
        let r = try await e.query(project: P, QueryRequest(query: "graph failure 7", topK: 3))
        #expect(r.memories.first?.content == "graph failure 7")
        var reports: [String] = []
        e.reportNewIndexFailures { reports.append($0) }
        e.reportNewIndexFailures { reports.append($0) }
        #expect(reports.count == 1)
        #expect(reports.first?.contains("vector index of project \(P) failed") == true)
    }
}
