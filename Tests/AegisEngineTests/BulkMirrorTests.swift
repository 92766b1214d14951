import Testing
import AegisVector
import AegisCore
import AegisLog
import AegisStorage
@testable import AegisEngine
import Foundation

/// Bulk graph inserts when one commit brings many new memories of a project (import chunks,
/// big add_batch): recall, consistency with deletes/updates in the same batch, failures.
@Suite struct BulkMirrorTests {
    static let fast = StoreOptions(log: LogOptions(fsync: .off))
    static let dim = 64

    /// Clustered random unit vectors (seeded), so neighbours are meaningful.
    static func vectors(_ n: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix(seed: seed)
        let centres = (0..<40).map { _ in (0..<dim).map { _ in unit(&rng) } }
        return (0..<n).map { _ in
            let c = centres[Int(rng.next() % 40)]
            let v = c.map { $0 + 0.35 * unit(&rng) }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
    }

    static func unit(_ rng: inout SplitMix) -> Float { Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }

    /// The best hit for `v` in `project` (the engine's vector search, no filter).
    static func top(_ e: AegisEngine, _ v: [Float], _ project: String = P, k: Int = 1) -> [Hit] {
        var stats = SearchStats()
        return e.searchVectors(project: project, query: v, filter: MemoryFilter(reader: .unrestricted, excludeDeprecated: false),
                               k: k, minScore: -1, ef: nil, stats: &stats)
    }

    static func records(_ vs: [[Float]], from: Int = 0) -> [ImportRecord] {
        vs.enumerated().map { i, v in
            var r = ImportRecord(content: "imported memory \(from + i)")
            r.embedding = v
            r.scope = "global"
            return r
        }
    }

    static func adapter(_ e: AegisEngine, _ project: String = P) throws -> HNSWAdapter {
        try #require(e.spaces.withSpace(project) { $0?.ann } as? HNSWAdapter)
    }

    /// Every graph label is a slot the space knows, and the graph holds exactly the space.
    static func expectConsistent(_ e: AegisEngine, _ project: String = P) throws {
        let a = try adapter(e, project)
        #expect(a.failure == nil)
        e.spaces.withSpace(project) { s in
            guard let s else { Issue.record("no space"); return }
            let labels = a.index.allLabels.map { Int($0) }
            #expect(labels.count == s.count)
            #expect(Set(labels) == Set(s.slotOf.values.map { Int($0) }))
            for l in labels { #expect(l < s.ids.count && s.ids[l] != nil) }
        }
    }

    @Test func importedChunksGoInBulkAndReachRecall() async throws {
        var c = EngineConfiguration()
        c.exactScanThreshold = 0
        let e = try await makeEngine(configuration: c)
        let base = Self.vectors(3_000, seed: 7)
        for start in stride(from: 0, to: base.count, by: 500) {
            let outcomes = try await e.importMemories(project: P, Self.records(Array(base[start..<(start + 500)]), from: start))
            #expect(outcomes.allSatisfy { if case .imported = $0 { true } else { false } })
        }
        let a = try Self.adapter(e)
        #expect(a.bulkInsertCalls == 6)
        try Self.expectConsistent(e)
        // Recall@10 of the graph against the exact answer over the space's vectors.
        let queries = Self.vectors(60, seed: 99)
        var found = 0, total = 0
        e.spaces.withSpace(P) { s in
            let s = s!
            for q in queries {
                var scored: [(Float, Int)] = []
                for slot in 0..<s.ids.count where s.ids[slot] != nil {
                    let v = s.vector(slot: slot)!
                    var d: Float = 0
                    for i in 0..<q.count { d += q[i] * v[i] }
                    scored.append((d, slot))
                }
                let exact = scored.sorted { $0.0 > $1.0 }.prefix(10).map(\.1)
                var counters = IndexSearchCounters()
                let got = a.search(query: q, k: 10, ef: 160, admitted: nil, visited: &counters) { _ in true }   // concurrent linking is not deterministic: margin over the 0.95 bar
                found += Set(got.prefix(10)).intersection(exact).count
                total += 10
            }
        }
        let recall = Double(found) / Double(total)
        #expect(recall >= 0.95, "recall@10 \(recall)")
        // Re-import adds nothing (and inserts nothing).
        let again = try await e.importMemories(project: P, Self.records(Array(base[0..<500])))
        #expect(again.allSatisfy { if case .skipped = $0 { true } else { false } })
        #expect(a.bulkInsertCalls == 6)
        #expect(e.spaces.withSpace(P) { $0?.count } == 3_000)
    }

    @Test func smallBatchesStaySingleInserts() async throws {
        let e = try await makeEngine()
        _ = try await e.importMemories(project: P, Self.records(Self.vectors(31, seed: 3)))
        #expect(try Self.adapter(e).bulkInsertCalls == 0)
        var off = EngineConfiguration()
        off.hnswBulkInsertThreshold = 0
        let e2 = try await makeEngine(configuration: off)
        _ = try await e2.importMemories(project: P, Self.records(Self.vectors(300, seed: 3)))
        #expect(try Self.adapter(e2).bulkInsertCalls == 0)
        try Self.expectConsistent(e2)
        #expect(throws: EngineError.self) {
            var bad = EngineConfiguration(); bad.hnswBulkInsertThreads = 0; try bad.validate()
        }
    }

    /// One commit mixing new memories of two projects with deletes, a re-embedded update and
    /// votes: every group is flushed before the other changes, freed slots are reused, the graph
    /// never holds a slot the space does not know, and the saved graphs verify.
    @Test func mixedBatchStaysConsistentAndVerifies() async throws {
        let dir = tempDir("bulkmirror")
        defer { removeTree(dir) }
        var c = EngineConfiguration()
        c.exactScanThreshold = 0
        let vs = Self.vectors(400, seed: 11)
        var expected = 0
        do {
            let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, configuration: c, storeOptions: Self.fast)
            let first = try await e.importMemories(project: P, Self.records(Array(vs[0..<100])))
            let ids = first.compactMap { if case .imported(let id) = $0 { id } else { nil } }
            #expect(ids.count == 100)
            func memory(_ i: Int, _ project: String = P) -> Memory {
                Memory(id: Identifier.uuid4Hex(), projectId: project, content: "mixed \(project) \(i)", embedding: vs[i],
                       scope: .global, createdAt: Timestamp(seconds: 1_800_000_000 + Int64(i)))
            }
            var events: [StoreEvent] = []
            events += (100..<150).map { .memoryPut(memory($0)) }                   // bulk group (50)
            events += (100..<140).map { .memoryPut(memory($0, Q)) }                // other project's group
            events.append(.memoryDelete(projectId: P, id: ids[0]))                 // flushes both groups
            events.append(.memoryDelete(projectId: P, id: ids[1]))
            events += (150..<200).map { .memoryPut(memory($0)) }                   // reuses the 2 freed slots
            events.append(.memoryUpdate(MemoryUpdate(projectId: P, id: ids[2], updatedAt: Timestamp(seconds: 1_800_000_400),
                                                     embedding: vs[399])))         // re-embedded: flushes
            events.append(.vote(Vote(id: Identifier.randomHex(), memoryId: ids[3], projectId: P, voterAgentId: "x",
                                     vote: .helpful, createdAt: Timestamp(seconds: 1_800_000_500))))
            events += (200..<210).map { .memoryPut(memory($0)) }                   // small group: singles
            events.append(.memoryDelete(projectId: P, id: ids[4]))
            try await e.commit(events)
            expected = 100 + 50 - 2 + 50 + 10 - 1
            #expect(e.spaces.withSpace(P) { $0?.count } == expected)
            #expect(e.spaces.withSpace(Q) { $0?.count } == 40)
            try Self.expectConsistent(e)
            try Self.expectConsistent(e, Q)
            #expect(try Self.adapter(e).bulkInsertCalls == 3)
            // Searches through the graph find every memory by its own vector.
            for i in [5, 120, 170, 205] { #expect(Self.top(e, vs[i]).first?.score ?? 0 > 0.999) }
            try await e.close()
        }
        let report = IndexVerifier.verify(directory: dir)
        #expect(report.problems.isEmpty, "\(report.problems)")
        let summary = IndexVerifier.summary(of: try Store.openReadOnly(directory: dir))
        let p = try #require(summary.projects.first { $0.project == P })
        #expect(p.usedSlots == expected && p.graphNodes == expected)
        // Reopen restores the graph; still consistent.
        let e2 = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, configuration: c, storeOptions: Self.fast)
        try Self.expectConsistent(e2)
        #expect(e2.spaces.withSpace(P) { $0?.count } == expected)
        try await e2.close()
    }

    /// A failed bulk insert marks the graph failed (never a crash); searches then scan exactly.
    @Test func failedBulkInsertFallsBackToExactScans() async throws {
        var c = EngineConfiguration()
        c.exactScanThreshold = 0
        let e = try await makeEngine(configuration: c)
        let vs = Self.vectors(100, seed: 5)
        _ = try await e.importMemories(project: P, Self.records(vs))
        let a = try Self.adapter(e)
        // Rows of their own (kept alive here); row 20 is not finite, so the bulk insert refuses.
        let rows = StableVectorRows(dimension: vs[0].count)
        var batch: [(slot: Int, row: UnsafePointer<Float>)] = []
        for i in 0..<40 {
            let row = rows.append(i == 20 ? [Float](repeating: .nan, count: vs[0].count) : vs[i])
            batch.append((slot: 1_000 + i, row: row))
        }
        a.insert(batch: batch)
        #expect(a.failure != nil)
        let r = Self.top(e, vs[42], k: 3)
        #expect(r.count == 3 && r.first?.score ?? 0 > 0.999)
    }
}

