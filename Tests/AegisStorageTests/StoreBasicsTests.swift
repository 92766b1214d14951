import AegisCore
import AegisLog
@testable import AegisStorage
import Testing

@Suite struct StoreBasicsTests {
    @Test func commitReadReopen() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture()
        let m1 = fx.memory(agent: "a"), m2 = fx.memory(agent: "b", namespace: "ns2")
        do {
            let store = try await Store.open(directory: dir.path, options: storeOptions())
            let lsn = try await store.commit([.memoryPut(m1)])
            try await store.commit([.memoryPut(m2), .vote(Vote(id: fx.id(), memoryId: m1.id, projectId: testProject,
                                                                 voterAgentId: "b", vote: .helpful, createdAt: fx.tick()))])
            #expect(lsn >= 2) // config record first
            store.read { v in
                #expect(v.memory(project: testProject, id: m1.id)?.content == m1.content)
                #expect(v.memory(project: testProject, id: m1.id)?.embedding == m1.embedding)
                #expect(v.memoryRow(project: testProject, id: m1.id)?.bulletHelpful == 1)
                #expect(v.memories(project: testProject, contentHash: m1.contentHash).map(\.id) == [m1.id])
                #expect(v.memories(project: testProject, agentId: "b").map(\.id) == [m2.id])
                #expect(v.memories(project: testProject, namespace: "ns2").map(\.id) == [m2.id])
                #expect(v.votes(project: testProject, memoryId: m1.id).count == 1)
                #expect(v.memoryRow(project: "other", id: m1.id) == nil)
            }
            try await store.close()
        }
        let again = try await Store.open(directory: dir.path, options: storeOptions())
        defer { Task { try? await again.close() } }
        again.read { v in
            #expect(v.totalMemoryCount == 2)
            #expect(v.memoryRow(project: testProject, id: m1.id)?.bulletHelpful == 1)
            #expect(v.embeddingModel == "test-model")
        }
    }

    @Test func validationRejectsBadCommitsWholly() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture()
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        let m = fx.memory()
        try await store.commit([.memoryPut(m)])
        await #expect(throws: AegisError.self) { try await store.commit([.memoryPut(m)]) }
        // A batch with one bad member writes nothing.
        let m2 = fx.memory()
        do {
            try await store.commit([.memoryPut(m2), .memoryDelete(projectId: testProject, id: "missing")])
            Issue.record("expected notFound")
        } catch let e as AegisError {
            #expect(e.code == .notFound)
        }
        #expect(store.read { $0.memoryRow(project: testProject, id: m2.id) } == nil)
        var wrongDim = fx.memory(); wrongDim.embedding = [1, 2]
        do { try await store.commit([.memoryPut(wrongDim)]); Issue.record("expected invalidArgument") }
        catch let e as AegisError { #expect(e.code == .invalidArgument && e.field == "events[0].embedding") }
        // Put then delete inside one batch is fine (overlay).
        let m3 = fx.memory()
        try await store.commit([.memoryPut(m3), .memoryDelete(projectId: testProject, id: m3.id)])
        #expect(store.read { $0.memoryRow(project: testProject, id: m3.id) } == nil)
        // Duplicate session / feature → conflict.
        let s = SessionProgress(id: fx.id(), projectId: testProject, sessionId: "s1", createdAt: fx.tick())
        try await store.commit([.sessionCreate(s)])
        do { try await store.commit([.sessionCreate(s)]); Issue.record("expected conflict") }
        catch let e as AegisError { #expect(e.code == .conflict) }
        try await store.close()
    }

    @Test func secondWriterGetsLocked() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        do {
            _ = try await Store.open(directory: dir.path, options: storeOptions())
            Issue.record("second writer opened")
        } catch let e as AegisError {
            #expect(e.code == .locked)
            #expect(e.message.contains(dir.path))
        }
        // A read-only opener works beside the writer.
        let ro = try Store.openReadOnly(directory: dir.path)
        #expect(ro.read { $0.dimension } == 8)
        try await store.close()
    }

    @Test func modelMismatchIsAClearError() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let store = try await Store.open(directory: dir.path, options: storeOptions(dimension: 8))
        try await store.close()
        do {
            _ = try await Store.open(directory: dir.path, options: storeOptions(dimension: 16))
            Issue.record("opened with another dimension")
        } catch let e as AegisError {
            #expect(e.code == .mismatch)
        }
    }

    @Test func patchesApplyAsDocumented() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture()
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        let m = fx.memory()
        let s = SessionProgress(id: fx.id(), projectId: testProject, sessionId: "s", completedItems: ["a"], createdAt: fx.tick())
        let f = FeatureRecord(id: fx.id(), projectId: testProject, featureId: "f", description: "d", createdAt: fx.tick())
        try await store.commit([.memoryPut(m), .sessionCreate(s), .featureCreate(f)])
        let t = fx.tick()
        try await store.commit([
            .memoryUpdate(MemoryUpdate(projectId: testProject, id: m.id, updatedAt: t, metadataPatch: ["n": .string("patched"), "new": .int(1)])),
            .memoryDeprecate(MemoryDeprecation(projectId: testProject, id: m.id, at: t, deprecatedBy: "x", reason: "old")),
            .sessionPatch(SessionPatch(projectId: testProject, sessionId: "s", updatedAt: t, completedItems: ["c", "a", "b"],
                                       inProgressItem: .some(nil), status: .completed)),
            .featurePatch(FeaturePatch(projectId: testProject, namespace: "default", featureId: "f", updatedAt: t,
                                       status: .complete, passes: true, completedAt: .some(t))),
        ])
        store.read { v in
            let row = v.memoryRow(project: testProject, id: m.id)!
            #expect(row.metadata["n"] == .string("patched"))
            #expect(row.metadata.keys.first == "n")
            #expect(row.metadata["deprecation_reason"] == .string("old"))
            #expect(row.isDeprecated && row.deprecatedBy == "x" && row.deprecatedAt == t && row.updatedAt == t)
            let sess = v.session(project: testProject, sessionId: "s")!
            #expect(sess.completedItems == ["a", "c", "b"] && sess.completedCount == 3 && sess.status == .completed)
            let feat = v.feature(project: testProject, namespace: "default", featureId: "f")!
            #expect(feat.passes && feat.completedAt == t && feat.status == .complete)
        }
        try await store.close()
    }

    @Test func checkpointThenReopenEqualsState() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture(seed: 7)
        let store = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 8192))
        var ids: [String] = []
        for i in 0..<200 {
            let m = fx.memory(agent: "a\(i % 3)")
            ids.append(m.id)
            try await store.commit([.memoryPut(m)])
            if i % 10 == 0 {
                try await store.commit([.vote(Vote(id: fx.id(), memoryId: ids[i / 2], projectId: testProject, voterAgentId: "z",
                                                   vote: .harmful, createdAt: fx.tick()))])
            }
            if i == 120 { try await store.checkpoint(indexSection: [1, 2, 3]) }
        }
        for id in ids.prefix(20) { try await store.commit([.memoryDelete(projectId: testProject, id: id)]) }
        let info = try await store.checkpoint(indexSection: Array(repeating: 9, count: 100))
        #expect(info.memoryCount == 180)
        try await store.commit([.memoryPut(fx.memory())])
        let before = dump(store)
        try await store.close()

        let again = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 8192))
        #expect(dump(again) == before)
        #expect(again.openReport.snapshot?.lsn == info.lsn)
        #expect(again.openReport.indexSection == Array(repeating: 9, count: 100))
        #expect(again.openReport.replayedRecords == 1)
        #expect(again.openReport.indexCatchUp?.count == 1)
        let ro = try Store.openReadOnly(directory: dir.path)
        #expect(dump(ro) == before)
        try await again.close()
    }
}
