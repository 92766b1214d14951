import Testing
import AegisCore
import AegisLog
import AegisStorage
import AegisEmbedding
@testable import AegisEngine
import Foundation

/// Offline maintenance: `rebuildIndex` (parameters persist, recall holds), `compact` (deleted
/// data leaves the disk) and `reembed` (atomic model switch, dimension change, failure leaves
/// the old store usable).
@Suite struct MaintenanceTests {
    static let fast = StoreOptions(log: LogOptions(fsync: .off))

    /// Every memory (without its vector), vote, session and feature of a data directory.
    func contents(_ dir: String) throws -> [String] {
        let s = try Store.openReadOnly(directory: dir)
        return s.read { v in
            var out: [String] = []
            for p in v.projectIds {
                v.forEachMemory(project: p) { out.append("M \($0.memory(embedding: []))"); return true }
                v.forEachVote(project: p) { out.append("V \($0)") }
                out += v.sessions(project: p).map { "S \($0)" } + v.features(project: p).map { "F \($0)" }
            }
            return out.sorted()
        }
    }

    func words(_ rng: inout SplitMix, _ n: Int) -> String {
        (0..<n).map { _ in "w\(rng.next() % 3000)" }.joined(separator: " ")
    }

    func populate(_ e: AegisEngine, project: String, count: Int, seed: UInt64) async throws -> [String] {
        var rng = SplitMix(seed: seed)
        var contents: [String] = []
        var i = 0
        while i < count {
            let n = min(100, count - i)
            let items = (0..<n).map { j -> AddMemoryRequest in
                let text = "\(words(&rng, 6)) #\(project)-\(i + j)"
                contents.append(text)
                return AddMemoryRequest(content: text, agentId: "a\((i + j) % 3)", namespace: (i + j) % 5 == 0 ? "ops" : "default",
                                        scope: "global")
            }
            _ = try await e.addBatch(project: project, AddBatchRequest(items: items))
            i += n
        }
        return contents
    }

    @Test func rebuildIndexPersistsParametersAndKeepsRecall() async throws {
        let dir = tempDir("rebuild")
        defer { removeTree(dir) }
        var c = EngineConfiguration()
        c.exactScanThreshold = 0
        c.exactScanSelectivity = 0
        var e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, configuration: c, storeOptions: Self.fast)
        var texts = try await populate(e, project: P, count: 1_200, seed: 1)
        _ = try await populate(e, project: Q, count: 60, seed: 2)
        // Some deletions (graph tombstones).
        let gone = try await e.query(project: P, QueryRequest(query: texts[0], topK: 1)).memories[0].id
        try await e.delete(project: P, id: gone)
        texts.removeFirst()
        try await e.close()

        let new = IndexParameters(m: 12, efConstruction: 80)
        let maint = try await AegisEngine.openForMaintenance(directory: dir, configuration: c, storeOptions: Self.fast)
        var phases = Set<String>()
        let report = try await maint.rebuildIndex(parameters: new, threads: 2) { phases.insert($0.phase) }
        #expect(report.memories == 1_259)
        #expect(report.projects.map(\.project) == [P, Q])
        #expect(report.projects.allSatisfy { $0.parameters == new && $0.graphTombstones == 0 })
        #expect(phases.contains("indexing \(P)"))
        try await maint.closeWithoutCheckpoint()

        // Reopen with the default configuration (m 16): the graphs and the pin come back.
        var plain = c
        plain.hnswM = 16; plain.hnswEfConstruction = 64
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, configuration: plain, storeOptions: Self.fast)
        #expect(e.health().indexesLoadedFromCheckpoint == 2 && e.health().indexesRebuilt == 0)
        #expect(e.pinnedIndexParameters == new)
        #expect(e.indexStatus().allSatisfy { $0.parameters == new })
        // New graphs (a new project) use the pinned parameters too.
        _ = try await e.addText("a brand new project memory", project: "proj-new", scope: .global)
        #expect(e.indexStatus().first { $0.project == "proj-new" }?.parameters == new)

        // Recall of the index against the exact top-10 (ties at the 10th score count as hits).
        // The query searches the "default" namespace (populate puts every fifth memory in "ops").
        texts = texts.filter { Int($0.split(separator: "-").last!)! % 5 != 0 }
        let vectors = try await hashEmbedder.embed(texts)
        var rng = SplitMix(seed: 99)
        var hits = 0, wanted = 0
        for _ in 0..<40 {
            // A partial memory text (a real neighbourhood), not random words (all near-ties).
            let source = texts[Int(rng.next() % UInt64(texts.count))].split(separator: " ")
            let q = source.prefix(4).joined(separator: " ")
            let qv = try await hashEmbedder.embed([q])[0]
            let scores = vectors.map { v in zip(v, qv).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let tenth = scores.sorted(by: >)[9]
            let exact = Set(texts.indices.filter { scores[$0] >= tenth - 1e-6 }.map { texts[$0] })
            let got = try await e.query(project: P, QueryRequest(query: q, topK: 10))
            hits += got.memories.filter { exact.contains($0.content) }.count
            wanted += 10
        }
        let recall = Double(hits) / Double(wanted)
        #expect(recall >= 0.9, "recall@10 \(recall)")
        try await e.close()
        #expect(StoreVerifier.verify(directory: dir).isHealthy)

        // Bad parameters and unknown projects are refused before anything changes.
        let m2 = try await AegisEngine.openForMaintenance(directory: dir, storeOptions: Self.fast)
        await #expect(throws: EngineError.self) { try await m2.rebuildIndex(parameters: IndexParameters(m: 1, efConstruction: 10)) }
        await #expect(throws: EngineError.self) { try await m2.rebuildIndex(parameters: new, only: ["nope"]) }
        try await m2.closeWithoutCheckpoint()
    }

    @Test func compactLeavesOneSnapshotAndNoDeletedData() async throws {
        let dir = tempDir("compact")
        defer { removeTree(dir) }
        var opts = Self.fast
        opts.compressSnapshots = false
        opts.log.compressionThreshold = 1 << 30
        var e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, storeOptions: opts)
        _ = try await populate(e, project: P, count: 100, seed: 3)
        let secret = try await e.addText("zzsecret qqtoken vanish please", scope: .global)
        try await e.checkpoint()
        try await e.delete(project: P, id: secret)
        try await e.close()
        func onDisk() -> Bool {
            let e = FileManager.default.enumerator(atPath: dir)
            while let rel = e?.nextObject() as? String {
                if let d = FileManager.default.contents(atPath: dir + "/" + rel), d.range(of: Data("zzsecret qqtoken".utf8)) != nil { return true }
            }
            return false
        }
        #expect(onDisk())
        let before = try contents(dir)
        let maint = try await AegisEngine.openForMaintenance(directory: dir, storeOptions: opts)
        let r = try await maint.compact(threads: 2)
        try await maint.closeWithoutCheckpoint()
        #expect(!onDisk())
        #expect(r.report.snapshot.memoryCount == 100)
        #expect(try contents(dir) == before)
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, storeOptions: opts)
        #expect(e.health().indexesLoadedFromCheckpoint == 1)
        #expect(try await e.query(project: P, QueryRequest(query: "zzsecret qqtoken vanish please", topK: 3)).memories.allSatisfy { $0.id != secret })
        try await e.close()
        #expect(StoreVerifier.verify(directory: dir).isHealthy)
    }

    /// A hash-32 store with votes, a deprecation, sessions, a deletion and a log tail.
    func makeHash32Store(_ dir: String) async throws -> (h32: HashingEmbedder, texts: [String]) {
        let h32 = try HashingEmbedder(dimension: 32)
        var e = try await AegisEngine.open(directory: dir, embedder: h32, storeOptions: Self.fast)
        var texts = try await populate(e, project: P, count: 300, seed: 5)
        texts += try await populate(e, project: Q, count: 40, seed: 6)
        let ids = try await e.addBatch(project: P, AddBatchRequest(items: (0..<5).map { AddMemoryRequest(content: "extra memory \($0)", scope: "global") })).results.map(\.id)
        _ = try await e.vote(project: P, memoryId: ids[0], VoteRequest(vote: "helpful", voterAgentId: "v"))
        _ = try await e.delta(project: P, DeltaRequest(operations: [DeltaOperation(type: "deprecate", agentId: "a", memoryId: ids[1], deprecationReason: "old")]))
        _ = try await e.createSession(project: P, CreateSessionRequest(sessionId: "s1", agentId: "a"))
        try await e.delete(project: P, id: ids[2])
        try await e.close()
        e = try await AegisEngine.open(directory: dir, embedder: h32, storeOptions: Self.fast)
        texts += try await populate(e, project: P, count: 10, seed: 7)   // log tail after the snapshot
        try await closeWithoutCheckpoint(e)
        return (h32, texts)
    }

    @Test func reembedSwitchesModelAndDimension() async throws {
        let dir = tempDir("reembed")
        let keep = dir + ".old"
        defer { removeTree(dir); removeTree(keep) }
        let (h32, texts) = try await makeHash32Store(dir)
        let before = try contents(dir)
        let h64 = try HashingEmbedder(dimension: 64)
        var phases: [String] = []
        let r = try await AegisEngine.reembed(directory: dir, embedder: h64, batchSize: 64, keepOldStoreIn: keep, threads: 2) {
            if phases.last != $0.phase { phases.append($0.phase) }
        }
        #expect(r.previousModel == "hash-32" && r.model == "hash-64" && r.dimension == 64)
        #expect(r.memories == 354 && r.projects == 2 && r.warnings.isEmpty)
        #expect(phases == ["embedding", "indexing", "switching"])
        // Identical fields, new vectors.
        #expect(try contents(dir) == before)
        let s = try Store.openReadOnly(directory: dir)
        let rows = s.read { v in v.projectIds.flatMap { p in v.memories(project: p, namespace: "default") + v.memories(project: p, namespace: "ops") }.map { ($0.content, v.embedding(of: $0)) } }
        for (content, vector) in rows.prefix(50) { #expect(vector == (try await h64.embed([content]))[0]) }
        // Opens with the new embedder (graphs from the new snapshot), not with the old one.
        await #expect(throws: EngineError.self) { try await AegisEngine.open(directory: dir, embedder: h32, storeOptions: Self.fast) }
        let e = try await AegisEngine.open(directory: dir, embedder: h64, storeOptions: Self.fast)
        #expect(e.health().indexesLoadedFromCheckpoint == 2 && e.health().indexesRebuilt == 0)
        for t in [texts[3], texts[150], texts[305], texts[349]] {
            let project = t.contains("#\(Q)-") ? Q : P
            let ns = Int(t.split(separator: "-").last!)! % 5 == 0 ? "ops" : "default"
            #expect(try await e.query(project: project, QueryRequest(query: t, namespace: ns, topK: 1)).memories.first?.content == t)
        }
        _ = try await e.addText("written after the switch", scope: .global)
        try await e.close()
        #expect(StoreVerifier.verify(directory: dir).isHealthy)
        // The kept directory is the old store, usable with the old embedder.
        #expect(try contents(keep) == before)
        let old = try await AegisEngine.open(directory: keep, embedder: h32, storeOptions: Self.fast)
        #expect(try await old.query(project: P, QueryRequest(query: texts[1], topK: 1)).memories.first?.content == texts[1])
        try await old.close()
        // Already on the model: refused unless forced.
        await #expect(throws: EngineError.self) { try await AegisEngine.reembed(directory: dir, embedder: h64, keepOldStoreIn: nil) }
    }

    /// Fails after `limit` texts (an embedding provider going down mid-way).
    struct ThrowingAfter: Embedder {
        let base: HashingEmbedder
        let limit: Int
        let seen = Locked(0)
        var modelName: String { base.modelName }
        var dimension: Int { base.dimension }
        func embed(_ texts: [String]) async throws -> [[Float]] {
            let n = seen.withLock { s -> Int in s += texts.count; return s }
            if n > limit { throw EmbeddingError(.unavailable, "provider down after \(limit) texts") }
            return try await base.embed(texts)
        }
    }

    @Test func reembedFailureLeavesTheOldStoreUsable() async throws {
        let dir = tempDir("reembed-fail")
        let keep = dir + ".old"
        defer { removeTree(dir); removeTree(keep) }
        let (h32, texts) = try await makeHash32Store(dir)
        let before = try contents(dir)
        let failing = ThrowingAfter(base: try HashingEmbedder(dimension: 128), limit: 150)
        await #expect(throws: EngineError.self) {
            try await AegisEngine.reembed(directory: dir, embedder: failing, batchSize: 32, keepOldStoreIn: keep, threads: 2)
        }
        #expect(!FileManager.default.fileExists(atPath: keep))
        #expect(try contents(dir) == before)
        await #expect(throws: EngineError.self) {
            try await AegisEngine.open(directory: dir, embedder: try HashingEmbedder(dimension: 128), storeOptions: Self.fast)
        }
        let e = try await AegisEngine.open(directory: dir, embedder: h32, storeOptions: Self.fast)
        #expect(try await e.query(project: P, QueryRequest(query: texts[7], topK: 1)).memories.first?.content == texts[7])
        try await e.close()
        // A later run with a working embedder succeeds (dimension 128).
        let r = try await AegisEngine.reembed(directory: dir, embedder: try HashingEmbedder(dimension: 128), keepOldStoreIn: nil, threads: 2)
        #expect(r.dimension == 128 && r.keptOldStore == nil)
        #expect(try contents(dir) == before)
    }
}

