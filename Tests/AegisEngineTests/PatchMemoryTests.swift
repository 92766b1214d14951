import Testing
import AegisCore
import AegisStorage
@testable import AegisEngine

/// `PATCH /memories/{id}` (docs/api.md, "Editing a memory").
@Suite struct PatchMemoryTests {
    @Test func contentChangeReembedsReindexesAndRehashes() async throws {
        let e = try await makeEngine()
        let id = try await e.addText("the quokka prefers blue umbrellas", agent: "a", scope: .global)
        let before = try await e.get(project: P, id: id)
        let out = try await e.patch(project: P, id: id, PatchMemoryRequest(content: "The Wombat prefers red raincoats"))
        #expect(out.content == "The Wombat prefers red raincoats" && out.updatedAt >= before.updatedAt)
        // Lexical: the new words match, the old ones no longer do.
        #expect(try await e.query(project: P, QueryRequest(query: "wombat", retrieval: .lexical)).memories.map(\.id) == [id])
        #expect(try await e.query(project: P, QueryRequest(query: "quokka", retrieval: .lexical)).memories.isEmpty)
        // Dense: the stored vector is the new content's (score 1 for the identical text).
        let dense = try await e.query(project: P, QueryRequest(query: "The Wombat prefers red raincoats", topK: 1))
        #expect(dense.memories.first?.id == id && (dense.memories.first?.score ?? 0) > 0.999)
        let m = try #require(e.backend.read { $0.memory(projectId: P, id: id) })
        #expect(m.contentHash == ContentHash.of("The Wombat prefers red raincoats"))
        #expect(e.backend.read { $0.memoryIds(projectId: P, contentHash: ContentHash.of("the quokka prefers blue umbrellas")) }.isEmpty)
        // Dedup follows the new hash: adding the new content again returns the patched memory.
        let again = try await e.add(project: P, AddMemoryRequest(content: "the wombat prefers red raincoats", agentId: "a", scope: "global"))
        #expect(again.id == id || again.dedupedFrom == id)
    }

    @Test func otherFieldsAndMetadataModes() async throws {
        let clock = ManualClock()
        let e = try await makeEngine(clock: clock)
        let id = try await e.add(project: P, AddMemoryRequest(content: "note", agentId: "a", metadata: ["k": .int(1), "j": .int(2)])).id
        var out = try await e.patch(project: P, id: id, PatchMemoryRequest(metadata: ["k": .int(5)]))
        #expect(out.metadata.sameEntries(["k": .int(5), "j": .int(2)]))
        out = try await e.patch(project: P, id: id, PatchMemoryRequest(metadata: ["z": .bool(true)], metadataMode: "replace"))
        #expect(out.metadata == ["z": .bool(true)])
        out = try await e.patch(project: P, id: id, PatchMemoryRequest(scope: "agent-shared", sharedWithAgents: ["b"], memoryType: "reflection",
                                                                       ttlSeconds: 100))
        #expect(out.scope == "agent-shared" && out.sharedWithAgents == ["b"] && out.memoryType == "reflection")
        #expect(out.expiresAt == clock.now.adding(seconds: 100))
        // The ACL follows the new scope at once: b may now read it.
        let seen = try await e.queryCrossAgent(project: P, CrossAgentQueryRequest(query: "note", requestingAgentId: "b", retrieval: .hybrid))
        #expect(seen.memories.map(\.id) == [id])
        out = try await e.patch(project: P, id: id, PatchMemoryRequest(expiresAt: .some(nil)))
        #expect(out.expiresAt == nil)
    }

    @Test func errors() async throws {
        let e = try await makeEngine()
        let a = try await e.addText("first text", agent: "a")
        let b = try await e.addText("second text", agent: "a")
        let other = try await e.addText("other owner's global text", agent: "z", scope: .global)
        #expect(await expectError(.notFound) { _ = try await e.patch(project: P, id: "nope", PatchMemoryRequest(content: "x")) } != nil)
        #expect(await expectError(.notFound) { _ = try await e.patch(project: Q, id: a, PatchMemoryRequest(content: "x")) } != nil)
        let dup = await expectError(.conflict) { _ = try await e.patch(project: P, id: b, PatchMemoryRequest(content: "FIRST TEXT ")) }
        #expect(dup?.message.contains(a) == true)
        #expect(try await e.get(project: P, id: b).content == "second text")
        #expect(await expectError(.forbidden) { _ = try await e.patch(project: P, id: other, PatchMemoryRequest(content: "x"), boundAgent: "a") } != nil)
        #expect(await expectError(.notFound) { _ = try await e.patch(project: P, id: a, PatchMemoryRequest(content: "x"), boundAgent: "q") } != nil)
        _ = try await e.patch(project: P, id: a, PatchMemoryRequest(content: "mine"), boundAgent: "a")
        let v = await expectError(.validation) {
            _ = try await e.patch(project: P, id: a, PatchMemoryRequest(metadataMode: "mix", scope: "world", ttlSeconds: 0))
        }
        #expect(v?.issues.map { $0.loc.last! } == [.key("metadata_mode"), .key("scope"), .key("ttl_seconds")])
        #expect(await expectError(.validation) { _ = try await e.patch(project: P, id: a, PatchMemoryRequest()) } != nil)
    }

    @Test func patchIsDurableAcrossRestartAndKill() async throws {
        let dir = tempDir("patch-durable")
        defer { removeTree(dir) }
        var e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let id = try await e.addText("draft about ERR_QUOTA_88", agent: "a", scope: .global)
        _ = try await e.patch(project: P, id: id, PatchMemoryRequest(content: "final about ERR_QUOTA_99", scope: "agent-private",
                                                                     memoryType: "reflection"))
        try await closeWithoutCheckpoint(e)
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let m = try await e.get(project: P, id: id)
        #expect(m.content == "final about ERR_QUOTA_99" && m.scope == "agent-private" && m.memoryType == "reflection")
        #expect(try await e.query(project: P, QueryRequest(query: "ERR_QUOTA_99", agentId: "a", retrieval: .lexical)).memories.map(\.id) == [id])
        #expect(e.lexical.withIndex(P) { $0!.search(queryTokens: ["err_quota_88"], limit: 5) }.isEmpty)
        try await e.close()
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        #expect(try await e.get(project: P, id: id).content == "final about ERR_QUOTA_99")
        try await e.close()
    }

    @Test func concurrentQueriesSeeOldOrNewContentNeverBoth() async throws {
        let e = try await makeEngine()
        let id = try await e.addText("version zero of the runbook", scope: .global)
        for i in 0..<20 { try await e.addText("unrelated runbook \(i)", scope: .global) }
        let texts = (1...30).map { "version \($0) of the runbook" }
        try await withThrowingTaskGroup(of: Void.self) { g in
            g.addTask {
                for t in texts { _ = try await e.patch(project: P, id: id, PatchMemoryRequest(content: t)) }
            }
            for _ in 0..<4 {
                g.addTask {
                    for _ in 0..<30 {
                        let r = try await e.query(project: P, QueryRequest(query: "version of the runbook", topK: 30, retrieval: .hybrid))
                        let mine = r.memories.filter { $0.id == id }
                        #expect(mine.count <= 1)
                        #expect(r.memories.filter { $0.content.hasPrefix("version ") }.count <= 1)
                    }
                }
            }
            try await g.waitForAll()
        }
        #expect(try await e.get(project: P, id: id).content == "version 30 of the runbook")
    }
}
