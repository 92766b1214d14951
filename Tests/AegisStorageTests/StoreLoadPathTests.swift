import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation
import Testing

/// The fast load paths (parallel snapshot decoding, lookups built from row keys, the replay
/// pipeline's reusable batches) must produce exactly the state the slow path would.
@Suite struct StoreLoadPathTests {
    /// Lookups of a view, per project, in a canonical form (what the engine queries).
    func lookups(_ v: StoreView) -> [String] {
        var out: [String] = []
        for p in v.projectIds {
            let namespaces = v.namespaceCounts(project: p), agents = v.agentCounts(project: p)
            out.append("\(p) count=\(v.memoryCount(project: p)) ns=\(namespaces.sorted { $0.key < $1.key })")
            out.append("\(p) agents=\(agents.map { "\($0.key ?? "-")=\($0.value)" }.sorted())")
            for ns in namespaces.keys { out.append("\(p) ns \(ns): \(v.memories(project: p, namespace: ns).map(\.id))") }
            for a in agents.keys { out.append("\(p) agent \(a ?? "-"): \(v.memories(project: p, agentId: a).map(\.id))") }
            v.forEachMemory(project: p) { row in
                let byHash = v.memories(project: p, contentHash: row.contentHash).map(\.id)
                out.append("\(p) \(row.id) hash=\(byHash) votes=\(v.votes(project: p, memoryId: row.id).map(\.id))")
                return true
            }
        }
        return out.sorted()
    }

    @Test func snapshotWithBlocksOfVeryDifferentSizesReopensExactly() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture(seed: 11)
        let store = try await Store.open(directory: dir.path, options: storeOptions(fsync: .off, segmentSize: 4 << 20))
        let projects = [testProject, "p-two", "p-three"]
        let sizes = [3, 5_000, 90_000, 40, 700]
        var ids: [(String, String)] = []
        for i in 0..<100 {
            let p = projects[i % 3]
            // Rows of very different sizes (a non-ASCII tail too): blocks of different raw sizes.
            let body = String(repeating: "\(i % 10)", count: sizes[i % sizes.count]) + "é\(i)"
            // Every 7th memory repeats content (same hash in a project: a multi-row hash slot).
            let m = fx.memory(project: p, agent: i % 4 == 0 ? nil : "agent-\(i % 5)", namespace: ["a", "b"][i % 2],
                              content: i % 7 == 0 ? "same content" : body)
            ids.append((p, m.id))
            try await store.commit([.memoryPut(m)])
            if i % 3 == 1 {
                let (vp, vid) = ids[Int(fx.next() % UInt64(ids.count))]
                try await store.commit([.vote(Vote(id: fx.id(), memoryId: vid, projectId: vp, voterAgentId: "v",
                                                   vote: .helpful, createdAt: fx.tick()))])
            }
        }
        for (p, id) in ids.prefix(9) { try await store.commit([.memoryDelete(projectId: p, id: id)]) }
        let info = try await store.checkpoint(indexSection: nil)
        #expect(info.memoryCount == 91)
        let before = dump(store), beforeLookups = store.read { lookups($0) }
        try await store.close()

        let again = try await Store.open(directory: dir.path, options: storeOptions(fsync: .off, segmentSize: 4 << 20))
        #expect(again.openReport.replayedRecords == 0)
        #expect(dump(again) == before)
        #expect(again.read { lookups($0) } == beforeLookups)
        // Lookups by id still work after load (ids moved into the table, not copied).
        for (p, id) in ids.dropFirst(9) { #expect(again.read { $0.memoryRow(project: p, id: id)?.id } == id) }
        for (p, id) in ids.prefix(9) { #expect(again.read { $0.memoryRow(project: p, id: id) } == nil) }
        try await again.close()
    }

    @Test func replayAcrossManyPipelineBatchesEqualsTheLiveState() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let store = try await Store.open(directory: dir.path, options: storeOptions(fsync: .off))
        var gen = EventGenerator(seed: 5)
        // More commits than one pipeline batch (2048), a mix of every event kind.
        for _ in 0..<(ReplayPipeline.batchSize + 200) {
            let events = store.read { gen.next($0) }
            try await store.commit(events)
        }
        let before = dump(store), beforeLookups = store.read { lookups($0) }
        let last = store.read { $0.lastLSN }
        try await store.close()

        let again = try await Store.open(directory: dir.path, options: storeOptions(fsync: .off))
        #expect(again.openReport.replayedRecords == Int(last))
        #expect(again.openReport.skippedEvents == 0)
        #expect(again.read { $0.lastLSN } == last)
        #expect(dump(again) == before)
        #expect(again.read { lookups($0) } == beforeLookups)
        try await again.close()
        let ro = try Store.openReadOnly(directory: dir.path)
        #expect(dump(ro) == before)
    }

    @Test func replayMovesVotesInOrderAcrossBatchesAndMixedCommits() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let store = try await Store.open(directory: dir.path, options: storeOptions(fsync: .off))
        var fx = Fixture(seed: 11)
        var memories: [String] = []
        var expected: [String: [String]] = [:]
        // Commits mixing a put with votes on it and on older memories (votes and puts share a
        // commit, so the applier interleaves moved votes and other events), over > 1 batch.
        for i in 0..<(ReplayPipeline.batchSize + 300) {
            let m = fx.memory()
            var events: [StoreEvent] = [.memoryPut(m)]
            var targets = [m.id]
            if !memories.isEmpty { targets.append(memories[Int(fx.next() % UInt64(memories.count))]) }
            if i % 7 == 0 { targets.append(m.id) }
            for t in targets {
                let v = Vote(id: fx.id(), memoryId: t, projectId: testProject, voterAgentId: "agent-with-a-long-name-\(i)",
                             vote: i % 3 == 0 ? .harmful : .helpful, context: i % 2 == 0 ? "context \(i) of a vote" : nil,
                             createdAt: fx.tick())
                events.append(.vote(v))
                expected[t, default: []].append(v.id)
            }
            try await store.commit(events)
            memories.append(m.id)
        }
        let before = dump(store)
        try await store.close()

        let again = try await Store.open(directory: dir.path, options: storeOptions(fsync: .off))
        #expect(again.openReport.skippedEvents == 0)
        #expect(dump(again) == before)
        let byMemory = again.read { v in memories.map { id in v.votes(project: testProject, memoryId: id).map(\.id) } }
        #expect(byMemory == memories.map { expected[$0] ?? [] })
        let counters = again.read { v in memories.map { id in v.memoryRow(project: testProject, id: id).map { $0.bulletHelpful + $0.bulletHarmful } } }
        #expect(counters == memories.map { Int64(expected[$0]?.count ?? 0) })
        try await again.close()
    }

    @Test func aCommitThatFailsToDecodeLeavesNothingInTheReplayBatch() throws {
        let state = StoreState()
        var fx = Fixture(seed: 3)
        let m = fx.memory()
        func vote(_ n: Int) -> Vote {
            Vote(id: "vote-\(n)-with-a-heap-allocated-id", memoryId: m.id, projectId: testProject, voterAgentId: "agent",
                 vote: .helpful, createdAt: Timestamp(microseconds: Int64(n)))
        }
        let pipeline = ReplayPipeline(state: state)
        pipeline.add(lsn: 1, timestamp: 1, events: [.config(embeddingModel: "test-model", dimension: 8), .memoryPut(m), .vote(vote(1))])
        struct Broken: Error {}
        // Half a commit (a vote and a put) decoded, then the decoder throws: none of it may apply.
        #expect(throws: Broken.self) {
            try pipeline.add(lsn: 2, timestamp: 2) { out in
                out.appendVote(vote(2))
                out.append(.memoryPut(fx.memory()))
                throw Broken()
            }
        }
        try pipeline.add(lsn: 3, timestamp: 3) { out in out.appendVote(vote(3)) }
        pipeline.finish()
        let view = StoreView(state: state)
        #expect(view.votes(project: testProject, memoryId: m.id).map(\.id) == [vote(1).id, vote(3).id])
        #expect(view.memoryCount(project: testProject) == 1)
        #expect(state.lastLSN == 3 && state.skippedEvents == 0)
        #expect(view.memoryRow(project: testProject, id: m.id)?.bulletHelpful == 2)
    }

    @Test func idKeysAndHashKeysBehaveAsTheirValues() {
        // Ids sharing a long prefix, looked up by plain string.
        var d: [IdKey: Int32] = [:]
        let ids = (0..<5000).map { "memory-with-a-long-common-prefix-\($0)" }
        for (i, id) in ids.enumerated() { d[id] = Int32(i) }
        #expect(d.count == 5000)
        for (i, id) in ids.enumerated() { #expect(d[id] == Int32(i)) }
        #expect(d["memory-with-a-long-common-prefix-5000"] == nil)
        d[ids[7]] = nil
        #expect(d[ids[7]] == nil && d.count == 4999)
        #expect(IdKey("a") == IdKey("a") && IdKey("a") != IdKey("b"))

        // Hash keys equal in their first 64 bits but not after: distinct keys.
        let x = HashKey(a: 1, b: 2, c: 3, d: 4), y = HashKey(a: 1, b: 2, c: 3, d: 5)
        var set: Set<HashKey> = [x, y, x]
        #expect(set.count == 2 && x != y && x == HashKey(a: 1, b: 2, c: 3, d: 4))
        set.remove(x)
        #expect(set == [y])
        let hex = String(repeating: "ab", count: 32)
        #expect(HashKey(hex: hex) == HashKey(hex: hex.uppercased()) && HashKey(hex: hex)?.hex == hex)
    }
}
