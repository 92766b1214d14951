import AegisCore
import AegisLog
@testable import AegisStorage
import Testing

/// `memoryUpdate` mask bits 4–7 (PATCH /memories/{id}; docs/format-storage.md §3).
@Suite struct MemoryEditEventTests {
    @Test func fullEditRoundTripsAndMovesTheHashIndex() throws {
        var fx = Fixture(seed: 11)
        let store = InMemoryStore()
        let m = fx.memory(agent: "a")
        _ = try store.commit([.config(embeddingModel: "m", dimension: fx.dimension), .memoryPut(m)])
        var u = MemoryUpdate(projectId: testProject, id: m.id, updatedAt: fx.tick(), embedding: fx.vector())
        u.content = "Edited Content"
        u.contentHash = ContentHash.of("Edited Content")
        u.scope = .agentShared
        u.sharedWithAgents = ["b", "c"]
        u.memoryType = MemoryType.reflection
        let (type, payload) = EventCodec.encodeRecord([.memoryUpdate(u)])
        let back = try payload.withUnsafeBytes { try EventCodec.decodeRecord(type: type, payload: $0, what: "t", dimension: nil) }
        #expect(back == [.memoryUpdate(u)])

        _ = try store.commit([.memoryUpdate(u)])
        let after = try #require(store.read { $0.memory(project: testProject, id: m.id) })
        #expect(after.content == "Edited Content" && after.contentHash == u.contentHash && after.scope == .agentShared)
        #expect(after.sharedWithAgents == ["b", "c"] && after.memoryType == MemoryType.reflection && after.updatedAt == u.updatedAt)
        store.read { v in
            #expect(v.memories(project: testProject, contentHash: u.contentHash!).map(\.id) == [m.id])
            #expect(v.memories(project: testProject, contentHash: m.contentHash).isEmpty)
        }
    }

    @Test func contentWithoutAValidHashIsRefused() throws {
        var fx = Fixture(seed: 12)
        let store = InMemoryStore()
        let m = fx.memory()
        _ = try store.commit([.config(embeddingModel: "m", dimension: fx.dimension), .memoryPut(m)])
        var u = MemoryUpdate(projectId: testProject, id: m.id, updatedAt: fx.tick())
        u.content = "x"
        #expect(throws: AegisError.self) { _ = try store.commit([.memoryUpdate(u)]) }
        #expect(store.read { $0.memory(project: testProject, id: m.id) }?.content == m.content)
    }
}
