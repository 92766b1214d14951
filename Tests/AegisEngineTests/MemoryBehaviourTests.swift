import Testing
import AegisCore
import AegisHNSW
import AegisVector
@testable import AegisEngine

@Suite struct MemoryBehaviourTests {
    @Test func addGetDeleteAndProjectIsolation() async throws {
        let e = try await makeEngine()
        let r = try await e.add(project: P, AddMemoryRequest(content: "User prefers dark mode", agentId: "a"))
        #expect(r.dedupedFrom == nil && r.inferredScope == "agent-private")
        let m = try await e.get(project: P, id: r.id)
        #expect(m.content == "User prefers dark mode" && m.score == nil && m.memoryType == "standard")
        // Another project's id behaves exactly like a missing id.
        #expect(await expectError(.notFound) { _ = try await e.get(project: Q, id: r.id) }?.message == "Memory not found")
        #expect(await expectError(.notFound) { try await e.delete(project: Q, id: r.id) } != nil)
        #expect(await expectError(.notFound) { _ = try await e.vote(project: Q, memoryId: r.id, VoteRequest(vote: "helpful", voterAgentId: "x")) } != nil)
        let qb = try await e.query(project: Q, QueryRequest(query: "dark mode", agentId: "a"))
        #expect(qb.memories.isEmpty)
        try await e.delete(project: P, id: r.id)
        #expect(await expectError(.notFound) { _ = try await e.get(project: P, id: r.id) } != nil)
        #expect(await expectError(.notFound) { try await e.delete(project: P, id: r.id) } != nil)
    }

    @Test func deletedVectorsDoNotSurviveIntoTheCheckpoint() async throws {
        let backend = InMemoryBackend()
        let e = try await makeEngine(backend)
        var ids: [String] = []
        for i in 0..<30 { ids.append(try await e.addText("keeper number \(i)", agent: "a")) }
        func entry() throws -> IndexSection.Entry { try #require(IndexSection.decode(backend.loadedIndexSection() ?? [])?[P]) }
        func graph() throws -> HNSWIndex { try HNSWIndex(decoding: entry().graph, externalVectors: { _ in nil }) }
        try await e.checkpoint()
        #expect(try graph().count == 30)
        // What the deleted memories could leave behind: their vector bytes (never in a graph
        // encoding: vectors are the store's) and their int8 codes (there until the delete).
        let deleted = [ids[3], ids[17]]
        var vectors: [[UInt8]] = [], traces: [[UInt8]] = []
        for id in deleted {
            let v = try #require(backend.read { $0.memory(projectId: P, id: id)?.embedding })
            vectors.append(v.withUnsafeBytes { Array($0) })
            let code = UnsafeMutableRawPointer.allocate(byteCount: Int8Kernels.rowBytes(dimension: v.count), alignment: 64)
            defer { code.deallocate() }
            _ = v.withUnsafeBufferPointer { Int8Kernels.quantize($0.baseAddress!, v.count, into: code) }
            traces.append(Array(UnsafeRawBufferPointer(start: code, count: v.count)))
        }
        #expect(try traces.allSatisfy { contains(try entry().graph, $0) }, "before the delete the codes are in the graph")
        #expect(try vectors.allSatisfy { !contains(try entry().graph, $0) }, "no vector bytes in a graph encoding")
        for id in deleted { try await e.delete(project: P, id: id) }
        try await e.checkpoint()
        // The checkpointed graph carries no vectors at all, and the tombstones' codes are
        // zeroed: nothing of a deleted memory's content survives into the snapshot.
        let bytes = try entry().graph
        #expect(!HNSWIndex.encodingCarriesVectors(bytes))
        for t in traces + vectors { #expect(!contains(bytes, t)) }
        #expect(try entry().slots.compactMap { $0 }.allSatisfy { !deleted.contains($0) })
        let g = try graph()
        #expect(g.count == 28 && g.deletedCount == 2)
        // The graph serves every survivor after a restart.
        let e2 = try await makeEngine(backend)
        #expect(e2.health().indexesLoadedFromCheckpoint == 1)
        let r = try await e2.query(project: P, QueryRequest(query: "keeper number 7", agentId: "a", topK: 30))
        #expect(r.memories.count == 28)
    }

    /// Whether `needle` occurs in `hay` (naive search; small inputs).
    func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= hay.count else { return false }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return true }
        return false
    }

    @Test func explicitScopeIsNotReportedAsInferred() async throws {
        let e = try await makeEngine()
        let r = try await e.add(project: P, AddMemoryRequest(content: "x", agentId: "a", scope: "global"))
        #expect(r.inferredScope == nil)
        let bad = await expectError(.validation) { _ = try await e.add(project: P, AddMemoryRequest(content: "x", scope: "public")) }
        #expect(bad?.issues.first?.loc == [.key("body"), .key("scope")])
        #expect(bad?.issues.first?.type == "value_error")
    }

    @Test func dedupRules() async throws {
        let clock = ManualClock()
        let e = try await makeEngine(clock: clock)
        let a = try await e.addText("Hello World", agent: "a")
        let dup = try await e.add(project: P, AddMemoryRequest(content: "  hello world\n", agentId: "a"))
        #expect(dup.id == a && dup.dedupedFrom == a && dup.inferredScope == nil)
        // Omitted agent is not a wildcard; another agent or namespace is a new memory.
        #expect(try await e.addText("Hello World") != a)
        #expect(try await e.addText("Hello World", agent: "b") != a)
        #expect(try await e.addText("Hello World", agent: "a", namespace: "other") != a)
        // Deprecated memories are not dedup targets.
        _ = try await e.delta(project: P, DeltaRequest(operations: [DeltaOperation(type: "deprecate", memoryId: a)]))
        let fresh = try await e.addText("Hello World", agent: "a")
        #expect(fresh != a)
        // Expired memories are not dedup targets.
        let t = try await e.addText("short lived", agent: "a", ttl: 10)
        clock.advance(seconds: 11)
        #expect(try await e.addText("short lived", agent: "a") != t)
    }

    @Test func batchKeepsOrderCatchesInBatchDuplicatesAndIsReadable() async throws {
        let e = try await makeEngine()
        let existing = try await e.addText("already here", agent: "a")
        let items = [
            AddMemoryRequest(content: "one", agentId: "a"),
            AddMemoryRequest(content: "already here", agentId: "a"),
            AddMemoryRequest(content: "ONE ", agentId: "a"),
            AddMemoryRequest(content: "two", agentId: "a", scope: "global"),
        ]
        let r = try await e.addBatch(project: P, AddBatchRequest(items: items))
        #expect(r.results.count == 4)
        #expect(r.results[0].dedupedFrom == nil && r.results[0].inferredScope == "agent-private")
        #expect(r.results[1].id == existing && r.results[1].dedupedFrom == existing)
        #expect(r.results[2].id == r.results[0].id && r.results[2].dedupedFrom == r.results[0].id)
        #expect(r.results[3].inferredScope == nil)
        #expect(r.embeddingsCached == 2)
        // Read-your-writes: every returned id is immediately readable and queryable.
        for res in r.results { _ = try await e.get(project: P, id: res.id) }
        let q = try await e.query(project: P, QueryRequest(query: "two", agentId: "a", topK: 1))
        #expect(q.memories.first?.id == r.results[3].id)
        // Per-hash dedup locks are released (no growth with the number of contents ever added).
        #expect(e.writeLocks.count == 0)
        let tooMany = await expectError(.validation) {
            _ = try await e.addBatch(project: P, AddBatchRequest(items: Array(repeating: AddMemoryRequest(content: "x"), count: 101)))
        }
        #expect(tooMany?.issues.first?.type == "too_long")
        let badItem = await expectError(.validation) {
            _ = try await e.addBatch(project: P, AddBatchRequest(items: [AddMemoryRequest(content: "ok"), AddMemoryRequest(content: "")]))
        }
        #expect(badItem?.issues.first?.loc == [.key("body"), .key("items"), .index(1), .key("content")])
    }

    @Test func ttlHidesEverywhereAndSweepRemoves() async throws {
        let clock = ManualClock()
        let e = try await makeEngine(clock: clock)
        let id = try await e.addText("ephemeral strategy note", agent: "a", scope: .global, ttl: 60)
        let keep = try await e.addText("durable strategy note", agent: "a", scope: .global)
        #expect(try await e.query(project: P, QueryRequest(query: "strategy note")).memories.count == 2)
        clock.advance(seconds: 60)   // expires_at <= now → expired
        #expect(try await e.query(project: P, QueryRequest(query: "strategy note")).memories.map(\.id) == [keep])
        #expect(try await e.query(project: P, QueryRequest(query: "strategy note", agentId: "a")).memories.map(\.id) == [keep])
        #expect(await expectError(.notFound) { _ = try await e.get(project: P, id: id) } != nil)
        #expect(Array(try e.exportMemories(project: P, ExportFilter())).map(\.id) == [keep])
        #expect(try await e.dashboardStats(project: P, DashboardRequest()).totalMemories == 1)
        let baton = try await e.handoff(project: P, HandoffRequest(sourceAgentId: "a", targetAgentId: "b"))
        #expect(baton.memoryIds == [keep])
        #expect(try await e.sweepExpired() == 1)
        #expect(Array(try e.exportMemories(project: P, ExportFilter(includeExpired: true))).map(\.id) == [keep])
    }

    @Test func minScoreBeforeLimitAndDeterministicTies() async throws {
        let e = try await makeEngine()
        // Identical contents from different agents: identical scores, ordered by creation.
        var ids: [String] = []
        for agent in ["c", "a", "b"] { ids.append(try await e.addText("alpha beta gamma", agent: agent, scope: .global)) }
        _ = try await e.addText("unrelated words entirely", agent: "z", scope: .global)
        let r = try await e.query(project: P, QueryRequest(query: "alpha beta gamma", topK: 3, minScore: 0.9))
        #expect(r.memories.map(\.id) == ids)
        #expect(r.memories.allSatisfy { ($0.score ?? 0) > 0.99 })
        let strict = try await e.query(project: P, QueryRequest(query: "alpha beta gamma", topK: 10, minScore: 0.99))
        #expect(strict.memories.count == 3)
        let v = await expectError(.validation) { _ = try await e.query(project: P, QueryRequest(query: "q", topK: 101, minScore: 2)) }
        #expect(v?.issues.map(\.type) == ["less_than_equal", "less_than_equal"])
    }

    @Test func embedderDownIsUnavailableAndModelMismatchIsClear() async throws {
        let backend = InMemoryBackend()
        let e = try await AegisEngine(backend: backend, embedder: FailingEmbedder())
        #expect(await expectError(.unavailable) { _ = try await e.addText("x") } != nil)
        #expect(e.health().reason?.contains("embedding") == true)
        let mismatch = await expectError(.unavailable) {
            _ = try await AegisEngine(backend: backend, embedder: TestHashEmbedder(modelName: "other", dimension: 32))
        }
        #expect(mismatch?.message.contains("hash-64") == true && mismatch?.message.contains("other") == true)
        backend.setReadOnly("fsync failed")
        let e2 = try await makeEngine(backend)
        #expect(await expectError(.unavailable) { _ = try await e2.addText("x") } != nil)
        #expect(e2.health().ready == false)
    }
}
