import Testing
import AegisCore
import AegisStorage
@testable import AegisEngine

/// A backend that runs `beforeCheckpoint` after the engine encoded its graphs and before the
/// store writes the snapshot: the window in which commits keep landing (docs/engine.md,
/// "Checkpoints").
final class InterleavingBackend: EngineBackend, @unchecked Sendable {
    let inner: StoreBackend
    let hook = Locked<(@Sendable () async throws -> Void)?>(nil)
    let checkpoints = Locked(0)
    init(_ inner: StoreBackend) { self.inner = inner }
    func commit(_ events: [StoreEvent], precondition: EnginePrecondition?) async throws { try await inner.commit(events, precondition: precondition) }
    func read<T>(_ body: (any TableView) throws -> T) rethrows -> T { try inner.read(body) }
    func embeddingModel() -> (name: String, dimension: Int)? { inner.embeddingModel() }
    func recordEmbeddingModel(name: String, dimension: Int) async throws { try await inner.recordEmbeddingModel(name: name, dimension: dimension) }
    func loadedIndexSection() -> [UInt8]? { inner.loadedIndexSection() }
    func reembeddedSinceIndex() -> Set<String> { inner.reembeddedSinceIndex() }
    func checkpoint(indexSection: [UInt8], indexLSN: UInt64) async throws {
        checkpoints.withLock { $0 += 1 }
        if let h = hook.withLock({ h in defer { h = nil }; return h }) { try await h() }
        try await inner.checkpoint(indexSection: indexSection, indexLSN: indexLSN)
    }
    func committedLSN() -> UInt64 { inner.committedLSN() }
    func readOnlyReason() -> String? { inner.readOnlyReason() }
    func close() async throws { try await inner.close() }
}

@Suite struct CheckpointLSNTests {
    /// A durable store in `dir`, the interleaving backend on it, and an engine on that.
    static func interleaved(_ dir: String) async throws -> (Store, InterleavingBackend, AegisEngine) {
        let store = try await Store.open(directory: dir, options: StoreOptions(embeddingModel: hashEmbedder.modelName, dimension: hashEmbedder.dimension))
        let backend = InterleavingBackend(StoreBackend(store: store))
        return (store, backend, try await AegisEngine(backend: backend, embedder: hashEmbedder))
    }

    /// A delete that lands between the encoding and the snapshot: the index LSN is the one the
    /// graphs were encoded at, so `verify` skips that memory instead of reporting a slot naming
    /// a memory the tables no longer hold, and a restart removes its node.
    @Test func commitsBetweenEncodingAndSnapshotAreCaughtUp() async throws {
        let dir = tempDir("ckpt-lsn")
        defer { removeTree(dir) }
        let (store, backend, e) = try await Self.interleaved(dir)
        var ids: [String] = []
        for i in 0..<40 { ids.append(try await e.addText("checkpoint window memory \(i) about \(i % 4)", agent: "a", scope: .global)) }
        let victim = ids[11]
        backend.hook.withLock { $0 = { try await e.delete(project: P, id: victim) } }
        try await e.checkpoint()
        let snapshotLSN = store.lastLSN
        try await store.close()   // no second checkpoint (as a crash would leave it)

        let reopened = try Store.openReadOnly(directory: dir)
        let indexLSN = try #require(reopened.openReport.indexLSN)
        #expect(indexLSN < snapshotLSN, "the delete came after the encoding (index LSN \(indexLSN), snapshot \(snapshotLSN))")
        let report = IndexVerifier.verify(directory: dir)
        #expect(report.isHealthy, "\(report.problems)")

        let e2 = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        #expect(e2.health().indexesLoadedFromCheckpoint == 1)
        #expect(e2.spaces.withSpace(P) { $0?.slotOf[victim] } == nil)
        #expect(e2.spaces.withSpace(P) { $0?.count } == 39)
        let r = try await e2.query(project: P, QueryRequest(query: "checkpoint window memory 11 about 3", agentId: "a", topK: 50))
        #expect(r.memories.count == 39 && !r.memories.contains { $0.id == victim })
        try await e2.close()
    }

    /// Writers racing checkpoints: every acknowledged add is found after a restart, and the
    /// saved graphs verify clean.
    @Test func checkpointsUnderConcurrentWritesStayConsistent() async throws {
        let dir = tempDir("ckpt-race")
        defer { removeTree(dir) }
        let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let added = Locked<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<3 {
                group.addTask {
                    for i in 0..<60 {
                        let id = try await e.addText("writer \(w) note \(i) on topic \(i % 7)", agent: "a", scope: .global)
                        added.withLock { $0.append(id) }
                        if i % 10 == 9 { try await e.delete(project: P, id: id); added.withLock { $0.removeAll { $0 == id } } }
                    }
                }
            }
            group.addTask { for _ in 0..<6 { try await e.checkpoint(); try await Task.sleep(nanoseconds: 5_000_000) } }
            try await group.waitForAll()
        }
        try await closeWithoutCheckpoint(e)
        let report = IndexVerifier.verify(directory: dir)
        #expect(report.isHealthy, "\(report.problems)")
        let e2 = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let expected = Set(added.withLock { $0 })
        #expect(e2.spaces.withSpace(P) { s in Set(s?.slotOf.keys.map { $0 } ?? []) } == expected)
        try await e2.close()
    }

    /// `close()` writes one checkpoint (serve calls only `close`).
    @Test func closeCheckpointsOnce() async throws {
        let dir = tempDir("ckpt-once")
        defer { removeTree(dir) }
        let (_, backend, e) = try await Self.interleaved(dir)
        _ = try await e.addText("one", agent: "a")
        try await e.close()
        #expect(backend.checkpoints.withLock { $0 } == 1)
    }
}
