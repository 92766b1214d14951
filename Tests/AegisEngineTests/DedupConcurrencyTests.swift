import Testing
import AegisCore
@testable import AegisEngine

/// Dedup is checked by the store's writer atomically with the append (no engine lock):
/// concurrent identical adds — single and batched, beside unrelated adds — store one memory,
/// and every caller is told its id.
@Suite struct DedupConcurrencyTests {
    @Test func concurrentIdenticalAddsStoreOneMemory() async throws {
        let dir = tempDir("dedup-race")
        defer { removeTree(dir) }
        let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let same = AddMemoryRequest(content: "raced content", agentId: "a")
        let results = try await withThrowingTaskGroup(of: [AddResult].self) { g in
            for i in 0..<24 {
                g.addTask { [try await e.add(project: P, same)] }
                g.addTask { try await e.addBatch(project: P, AddBatchRequest(items: [same, AddMemoryRequest(content: "batch \(i)", agentId: "a")])).results }
                g.addTask { [try await e.add(project: P, AddMemoryRequest(content: "other \(i)", agentId: "a"))] }
            }
            var all: [AddResult] = []
            for try await r in g { all += r }
            return all
        }
        let raced = results.filter { r in e.backend.read { $0.memory(projectId: P, id: r.id)?.content } == "raced content" }
        #expect(raced.count == 48)
        #expect(Set(raced.map(\.id)).count == 1)
        #expect(raced.filter { $0.dedupedFrom == nil }.count == 1)
        let stored = e.backend.read { $0.memoryIds(projectId: P, contentHash: ContentHash.of("raced content")) }
        #expect(stored == [raced[0].id])
        #expect(e.backend.read { $0.memoryCount(projectId: P) } == 1 + 24 + 24)
        try await e.close()
    }
}
