import AegisCore
import AegisLog
@testable import AegisStorage
import Testing

/// `Store.commit(precondition:)`: check-then-write inside the single writer, and
/// `InMemoryStore`, which validates and applies with the same `StoreState`.
@Suite struct StorePreconditionTests {
    struct Taken: Error, Equatable { var by: String }

    /// "No memory with this content hash yet", looking at the tables and at the commits ahead
    /// in the write group.
    static func unique(_ hash: String) -> StorePrecondition {
        { view, pending in
            if let m = view.memories(project: testProject, contentHash: hash).first { throw Taken(by: m.id) }
            for case .memoryPut(let m) in pending where m.contentHash == hash { throw Taken(by: m.id) }
        }
    }

    @Test func concurrentConditionalCommitsAdmitOne() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture()
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        let copies = (0..<40).map { _ in fx.memory(content: "the same text") }
        let others = (0..<40).map { _ in fx.memory() }
        let hash = copies[0].contentHash
        // Identical contents race (each conditional on uniqueness) beside unconditional commits,
        // so conditional commits land in shared write groups.
        let accepted = try await withThrowingTaskGroup(of: String?.self) { g in
            for (c, o) in zip(copies, others) {
                g.addTask {
                    do { try await store.commit([.memoryPut(c)], precondition: Self.unique(hash)); return c.id } catch is Taken { return nil }
                }
                g.addTask { try await store.commit([.memoryPut(o)]); return nil }
            }
            var ids: [String] = []
            for try await id in g { if let id { ids.append(id) } }
            return ids
        }
        #expect(accepted.count == 1)
        store.read { v in
            #expect(v.memories(project: testProject, contentHash: hash).map(\.id) == accepted)
            #expect(v.totalMemoryCount == 41)
        }
        try await store.close()
    }

    @Test func preconditionErrorComesBackAsItIsAndWritesNothing() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture()
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        let first = fx.memory(content: "once"), second = fx.memory(content: "once")
        try await store.commit([.memoryPut(first)], precondition: Self.unique(first.contentHash))
        let lsn = store.lastLSN
        await #expect(throws: Taken(by: first.id)) {
            try await store.commit([.memoryPut(second)], precondition: Self.unique(second.contentHash))
        }
        #expect(store.lastLSN == lsn)
        #expect(store.read { $0.memoryRow(project: testProject, id: second.id) } == nil)
        try await store.close()
    }

    /// The same commits, valid and invalid, give the same tables and the same errors.
    @Test func inMemoryStoreMatchesTheDurableStore() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture(seed: 7)
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        let tables = InMemoryStore()
        try tables.commit([.config(embeddingModel: "test-model", dimension: 8)])
        let ms = (0..<6).map { i in fx.memory(agent: i % 2 == 0 ? "a" : nil) }
        let s = SessionProgress(id: fx.id(), projectId: testProject, sessionId: "s1", createdAt: fx.tick())
        let f = FeatureRecord(id: fx.id(), projectId: testProject, featureId: "f1", description: "d", createdAt: fx.tick())
        let commits: [[StoreEvent]] = [
            ms.map { .memoryPut($0) },
            [.memoryPut(ms[0])],                                                     // conflict
            [.memoryUpdate(MemoryUpdate(projectId: testProject, id: ms[1].id, updatedAt: fx.tick(), metadataPatch: ["k": .int(1)],
                                        embedding: fx.vector(), expiresAt: .some(nil)))],
            [.memoryDeprecate(MemoryDeprecation(projectId: testProject, id: ms[2].id, at: fx.tick(), deprecatedBy: "a",
                                                supersededBy: ms[3].id, reason: "old"))],
            [.vote(Vote(id: fx.id(), memoryId: ms[3].id, projectId: testProject, voterAgentId: "v", vote: .harmful, createdAt: fx.tick()))],
            [.memoryDelete(projectId: testProject, id: ms[4].id)],
            [.vote(Vote(id: fx.id(), memoryId: ms[4].id, projectId: testProject, voterAgentId: "v", vote: .helpful, createdAt: fx.tick()))],
            [.sessionCreate(s), .featureCreate(f)],
            [.sessionPatch(SessionPatch(projectId: testProject, sessionId: "s1", updatedAt: fx.tick(), completedItems: ["x", "y"],
                                        inProgressItem: .some(nil), status: .completed))],
            [.featurePatch(FeaturePatch(projectId: testProject, namespace: "default", featureId: "f1", updatedAt: fx.tick(),
                                        status: .complete, passes: true, completedAt: .some(fx.tick())))],
            [.featurePatch(FeaturePatch(projectId: testProject, namespace: "default", featureId: "missing", updatedAt: fx.tick()))],
        ]
        for events in commits {
            var durable: AegisError.Code?, volatile: AegisError.Code?
            do { try await store.commit(events) } catch let e as AegisError { durable = e.code }
            do { try tables.commit(events) } catch let e as AegisError { volatile = e.code }
            #expect(durable == volatile)
        }
        #expect(tables.read { dumpView($0) } == dump(store))
        try await store.close()
    }
}
