import Testing
import AegisCore
import AegisStorage
import AegisEmbedding
@testable import AegisEngine
#if canImport(Glibc)
import Glibc
#endif

func tempDir(_ name: String) -> String {
    let path = "/tmp/aegis-engine-tests-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))"
    return path
}

func removeTree(_ path: String) {
    var st = stat()
    guard lstat(path, &st) == 0 else { return }
    if (st.st_mode & S_IFMT) == S_IFDIR {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                if name == "." || name == ".." { continue }
                removeTree(path + "/" + name)
            }
            closedir(d)
        }
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// Closes the engine's store without a checkpoint (as a crash would leave it: log only).
func closeWithoutCheckpoint(_ e: AegisEngine) async throws {
    try await (e.backend as! StoreBackend).store.close()
}

@Suite struct DurableEngineTests {
    static let vocabulary = ["alpha", "beta", "gamma", "delta", "omega", "zebra", "quartz", "river", "stone", "cloud",
                             "deploy", "policy", "retry", "cache", "index", "graph", "token", "agent", "memory", "vector"]

    /// Fixed queries (with and without filters) → (ids, scores) per query.
    struct Snapshot: Equatable { var rows: [[String]]; var scores: [[Double]] }

    func runQueries(_ e: AegisEngine, count: Int) async throws -> Snapshot {
        var rng = SplitMix(seed: 42)
        var rows: [[String]] = [], scores: [[Double]] = []
        for i in 0..<count {
            let words = (0..<3).map { _ in Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))] }.joined(separator: " ")
            let r: QueryResponse
            switch i % 3 {
            case 0: r = try await e.query(project: P, QueryRequest(query: words, topK: 10))
            case 1: r = try await e.query(project: P, QueryRequest(query: words, agentId: "a\(i % 4)", topK: 5))
            default: r = try await e.queryCrossAgent(project: P, CrossAgentQueryRequest(query: words, requestingAgentId: "a\(i % 4)", topK: 10))
            }
            rows.append(r.memories.map(\.id)); scores.append(r.memories.map { $0.score ?? .nan })
        }
        return Snapshot(rows: rows, scores: scores)
    }

    func populate(_ e: AegisEngine, range: Range<Int>) async throws {
        var rng = SplitMix(seed: UInt64(range.lowerBound) + 7)
        for i in range {
            let words = (0..<5).map { _ in Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))] }.joined(separator: " ")
            let scope: Scope = [.global, .agentPrivate, .agentShared][i % 3]
            _ = try await e.add(project: P, AddMemoryRequest(content: "\(words) #\(i)", agentId: "a\(i % 4)", scope: scope.rawValue,
                                                            sharedWithAgents: scope == .agentShared ? ["a\((i + 1) % 4)"] : nil))
        }
    }

    static var torture: Bool { getenv("AEGIS_TORTURE") != nil }

    @Test(arguments: [false, true])
    func restartEquivalence(indexed: Bool) async throws {
        let dir = tempDir("restart")
        defer { removeTree(dir) }
        var c = EngineConfiguration()
        if indexed { c.exactScanThreshold = 0; c.exactScanSelectivity = 0 }
        let n = Self.torture ? 2_000 : 300
        let queries = Self.torture ? 1_000 : 200
        var e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, configuration: c)
        try await populate(e, range: 0..<(n / 2))
        try await e.checkpoint()
        try await populate(e, range: (n / 2)..<n)
        let before = try await runQueries(e, count: queries)
        #expect(before.rows.contains { !$0.isEmpty })
        // 1. Crash-like restart: no final checkpoint → checkpointed graph + log tail.
        try await closeWithoutCheckpoint(e)
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, configuration: c)
        #expect(try await runQueries(e, count: queries) == before)
        #expect(e.health().indexesLoadedFromCheckpoint == 1 && e.health().indexesRebuilt == 0)
        // 2. Clean restart: close checkpoints the graph; reopen loads it.
        try await e.close()
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, configuration: c)
        #expect(e.health().indexesLoadedFromCheckpoint == 1)
        #expect(try await runQueries(e, count: queries) == before)
        // 3. A damaged index section is ignored (derived data): rebuilt from the tables, same answers.
        let damaged = try await AegisEngine(backend: CorruptSectionBackend(inner: e.backend), embedder: hashEmbedder, configuration: c)
        #expect(damaged.health().indexesRebuilt == 1)
        #expect(damaged.health().indexesDiscarded.count == 1 && damaged.health().indexesDiscarded[0].contains("does not parse"),
                "\(damaged.health().indexesDiscarded)")
        #expect(e.health().indexesDiscarded.isEmpty)
        let badGraph = try await AegisEngine(backend: CorruptSectionBackend(inner: e.backend, graphOnly: true), embedder: hashEmbedder, configuration: c)
        #expect(badGraph.health().indexesRebuilt == 1)
        #expect(badGraph.health().indexesDiscarded.first?.contains("the saved graph of project") == true, "\(badGraph.health().indexesDiscarded)")
        #expect(try await runQueries(badGraph, count: queries) == before)
        #expect(try await runQueries(damaged, count: queries) == before)
        try await e.close()
    }

    @Test func restartWithoutAnySnapshotRebuildsFromTheLog() async throws {
        let dir = tempDir("replay")
        defer { removeTree(dir) }
        var e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        try await populate(e, range: 0..<120)
        let before = try await runQueries(e, count: 60)
        try await closeWithoutCheckpoint(e)
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        #expect(try await runQueries(e, count: 60) == before)
        try await e.close()
    }

    @Test func everyWriteSurvivesRestart() async throws {
        let dir = tempDir("writes")
        defer { removeTree(dir) }
        var e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let batch = try await e.addBatch(project: P, AddBatchRequest(items: (0..<20).map { AddMemoryRequest(content: "batch item \($0)", agentId: "a") }))
        // Read-your-writes right after add_batch (the 1.2 server returned 404 here).
        for r in batch.results { _ = try await e.get(project: P, id: r.id) }
        let target = batch.results[0].id
        let gone = batch.results[1].id
        _ = try await e.vote(project: P, memoryId: target, VoteRequest(vote: "helpful", voterAgentId: "v"))
        let d = try await e.delta(project: P, DeltaRequest(operations: [
            DeltaOperation(type: "update", memoryId: target, metadataPatch: ["k": .string("v")]),
            DeltaOperation(type: "deprecate", agentId: "a", memoryId: target, deprecationReason: "old"),
            DeltaOperation(type: "add", content: "strategy x", memoryType: "strategy", agentId: "a"),
        ]))
        #expect(d.results.allSatisfy { $0.success })
        // A failing delta changes nothing, durably.
        let failed = try await e.delta(project: P, DeltaRequest(operations: [
            DeltaOperation(type: "update", memoryId: gone, metadataPatch: ["x": .int(1)]),
            DeltaOperation(type: "update", memoryId: "00000000000000000000000000000000"),
        ]))
        #expect(failed.results.allSatisfy { !$0.success })
        try await e.delete(project: P, id: gone)
        _ = try await e.createSession(project: P, CreateSessionRequest(sessionId: "s", agentId: "a"))
        _ = try await e.patchSession(project: P, sessionId: "s", PatchSessionRequest(completedItems: ["b", "a"], inProgressItem: "c", totalItems: 3))
        _ = try await e.createFeature(project: P, CreateFeatureRequest(featureId: "f", description: "d"))
        _ = try await e.patchFeature(project: P, featureId: "f", PatchFeatureRequest(passes: true))
        let m1 = try await e.get(project: P, id: target)
        let s1 = try await e.getSession(project: P, sessionId: "s")
        let f1 = try await e.getFeature(project: P, featureId: "f")
        try await closeWithoutCheckpoint(e)
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let m2 = try await e.get(project: P, id: target)
        #expect(m2 == m1)
        #expect(m2.metadata["k"] == .string("v") && m2.metadata["deprecation_reason"] == .string("old") && m2.isDeprecated)
        #expect(m2.bulletHelpful == 1)
        #expect(await expectError(.notFound) { _ = try await e.get(project: P, id: gone) } != nil)
        #expect(try await e.getSession(project: P, sessionId: "s") == s1)
        #expect(s1.completedItems == ["b", "a"] && s1.inProgressItem == "c")
        #expect(try await e.getFeature(project: P, featureId: "f") == f1)
        #expect(await expectError(.conflict) { _ = try await e.createSession(project: P, CreateSessionRequest(sessionId: "s")) } != nil)
        try await e.close()
        // Another embedding model on this store is refused with both names.
        let mismatch = await expectError(.unavailable) { _ = try await AegisEngine.open(directory: dir, embedder: try HashingEmbedder(dimension: 32)) }
        #expect(mismatch?.message.contains("hash-64") == true && mismatch?.message.contains("hash-32") == true)
    }

    @Test func readYourWritesUnderConcurrency() async throws {
        let dir = tempDir("ryw")
        defer { removeTree(dir) }
        let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        try await withThrowingTaskGroup(of: Void.self) { g in
            for w in 0..<6 {
                g.addTask {
                    for round in 0..<4 {
                        let r = try await e.addBatch(project: P, AddBatchRequest(items: (0..<10).map {
                            AddMemoryRequest(content: "writer \(w) round \(round) item \($0)", agentId: "w\(w)") }))
                        for res in r.results { _ = try await e.get(project: P, id: res.id) }   // never 404
                        let q = try await e.query(project: P, QueryRequest(query: "writer \(w) round \(round) item 3", agentId: "w\(w)", topK: 1))
                        #expect(q.memories.first?.id == r.results[3].id)
                    }
                }
            }
            try await g.waitForAll()
        }
        try await e.close()
    }

    @Test func backgroundServicesCheckpointAndSweep() async throws {
        let dir = tempDir("bg")
        defer { removeTree(dir) }
        var c = EngineConfiguration()
        c.checkpointIntervalSeconds = 1
        c.ttlSweepIntervalSeconds = 1
        let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, configuration: c)
        _ = try await e.addText("expires soon", agent: "a", ttl: 1)
        _ = try await e.addText("stays", agent: "a")
        let task = Task { await e.runBackgroundServices() }
        var swept = false
        for _ in 0..<50 {
            try await Task.sleep(nanoseconds: 100_000_000)
            let h = e.health()
            if h.lastCheckpoint != nil, h.lastTTLSweep != nil, e.health().indexedMemories == 1 { swept = true; break }
        }
        task.cancel()
        await task.value
        #expect(swept)
        try await e.close()
    }

    @Test func concurrentVotesOnTheDurableStore() async throws {
        let dir = tempDir("votes")
        defer { removeTree(dir) }
        let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let id = try await e.addText("vote target", agent: "a")
        let n = Self.torture ? 10_000 : 400
        try await withThrowingTaskGroup(of: Void.self) { g in
            for i in 0..<n {
                g.addTask { _ = try await e.vote(project: P, memoryId: id, VoteRequest(vote: i % 5 == 0 ? "harmful" : "helpful", voterAgentId: "v")) }
            }
            try await g.waitForAll()
        }
        let m = try await e.get(project: P, id: id)
        #expect(m.bulletHelpful == n * 4 / 5 && m.bulletHarmful == n / 5)
        try await e.close()
    }

    @Test func ttlSweepIsDurable() async throws {
        let dir = tempDir("ttl")
        defer { removeTree(dir) }
        let clock = ManualClock()
        let store = try await Store.open(directory: dir, options: StoreOptions(embeddingModel: hashEmbedder.modelName, dimension: 64))
        var e = try await AegisEngine(backend: StoreBackend(store: store), embedder: hashEmbedder, clock: { clock.now })
        let short = try await e.addText("short", agent: "a", ttl: 5)
        let long = try await e.addText("long", agent: "a")
        clock.advance(seconds: 6)
        #expect(try await e.sweepExpired() == 1)
        try await e.close()
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let ids = Array(try e.exportMemories(project: P, ExportFilter(includeExpired: true))).map(\.id)
        #expect(ids == [long] && !ids.contains(short))
        try await e.close()
    }
}

/// Hands the engine a bit-flipped index section (everything else delegated).
final class CorruptSectionBackend: EngineBackend, @unchecked Sendable {
    let inner: any EngineBackend
    /// Flip a byte inside one project's graph and re-seal the section (the section parses,
    /// that graph does not decode) instead of flipping a byte of the whole section.
    let graphOnly: Bool
    init(inner: any EngineBackend, graphOnly: Bool = false) { self.inner = inner; self.graphOnly = graphOnly }
    func commit(_ events: [StoreEvent], precondition: EnginePrecondition?) async throws {
        try await inner.commit(events, precondition: precondition)
    }
    func read<T>(_ body: (any TableView) throws -> T) rethrows -> T { try inner.read(body) }
    func embeddingModel() -> (name: String, dimension: Int)? { inner.embeddingModel() }
    func recordEmbeddingModel(name: String, dimension: Int) async throws {}
    func loadedIndexSection() -> [UInt8]? {
        guard var b = inner.loadedIndexSection(), b.count > 100 else { return nil }
        if graphOnly, let parsed = IndexSection.decodeWithParameters(b) {
            var entries = parsed.entries
            for k in entries.keys where !entries[k]!.graph.isEmpty { entries[k]!.graph[entries[k]!.graph.count / 2] ^= 0x10 }
            return IndexSection.encode(entries: entries, pinned: parsed.pinned)
        }
        b[b.count / 2] ^= 0x10
        return b
    }
    func reembeddedSinceIndex() -> Set<String> { [] }
    func checkpoint(indexSection: [UInt8], indexLSN: UInt64) async throws {}
    func committedLSN() -> UInt64 { inner.committedLSN() }
    func readOnlyReason() -> String? { nil }
    func close() async throws {}
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
