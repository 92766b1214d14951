import Testing
import AegisCore
import AegisLog
import AegisStorage
@testable import AegisEngine
import Foundation

/// `IndexVerifier`: the saved HNSW graphs against the tables (what `verify` and `stats` run).
@Suite struct IndexVerifierTests {
    static let fast = StoreOptions(log: LogOptions(fsync: .off))

    func section(_ dir: String) throws -> [String: IndexSection.Entry] {
        let s = try Store.openReadOnly(directory: dir)
        return try #require(s.openReport.indexSection.flatMap { IndexSection.decode($0) })
    }

    /// Writes a new snapshot whose index section is `bytes`.
    func plant(_ dir: String, _ bytes: [UInt8]) async throws {
        let s = try await Store.open(directory: dir, options: Self.fast)
        _ = try await s.checkpoint(indexSection: bytes)
        try await s.close()
    }

    @Test func goodStoreVerifiesAndCraftedMismatchesAreNamed() async throws {
        let dir = tempDir("indexverify")
        defer { removeTree(dir) }
        let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, storeOptions: Self.fast)
        var ids: [String] = []
        for i in 0..<60 { ids.append(try await e.addText("memory number \(i) about topic \(i % 7)", scope: .global)) }
        // No saved index yet (the server is still running): info, not a problem.
        let empty = IndexVerifier.verify(directory: dir)
        #expect(empty.isHealthy && !empty.info.isEmpty, "\(empty)")
        _ = try await e.addText("other project memory", project: "proj-other", scope: .global)
        try await e.delete(project: P, id: ids.removeFirst())
        try await e.close()

        let good = IndexVerifier.verify(directory: dir)
        #expect(good.problems.isEmpty, "\(good.problems)")
        #expect(good.checked.contains { $0.contains("project \(P): 59 nodes, 59 slots match") }, "\(good.checked)")
        let store = try Store.openReadOnly(directory: dir)
        let summary = IndexVerifier.summary(of: store)
        #expect(summary.sectionValid && summary.indexLSN != nil && summary.pinned == nil)
        let p = try #require(summary.projects.first { $0.project == P })
        #expect(p.graphNodes == 59 && p.m == 16 && p.efConstruction == 64 && p.usedSlots == 59)

        let entries = try section(dir)
        let entry = try #require(entries[P])
        let used = entry.slots.indices.filter { entry.slots[$0] != nil }
        let a = used[3], b = used[10]

        // A slot naming a memory the tables do not hold.
        var ghost = entries
        ghost[P]!.slots[a] = "ghost-memory-id"
        try await plant(dir, IndexSection.encode(entries: ghost))
        var r = IndexVerifier.verify(directory: dir)
        #expect(r.problems.contains { $0.contains("project \(P): slot \(a) names memory ghost-memory-id, which the tables do not hold") }, "\(r.problems)")

        // Two slots swapped: the graph's codes no longer match the embeddings.
        var swapped = entries
        swapped[P]!.slots.swapAt(a, b)
        try await plant(dir, IndexSection.encode(entries: swapped))
        r = IndexVerifier.verify(directory: dir)
        #expect(r.problems.contains { $0.contains("slot \(a): the graph's int8 codes differ from those of memory \(entry.slots[b]!)") }, "\(r.problems)")

        // One memory in two slots.
        var dup = entries
        dup[P]!.slots[b] = entry.slots[a]
        try await plant(dir, IndexSection.encode(entries: dup))
        r = IndexVerifier.verify(directory: dir)
        #expect(r.problems.contains { $0.contains("memory \(entry.slots[a]!) appears in slots \(a) and \(b)") }, "\(r.problems)")

        // A bit flip in the graph with the section checksum recomputed: decode, integrity or vectors catch it.
        var flippedStructure = entries
        flippedStructure[P]!.graph[flippedStructure[P]!.graph.count / 2] ^= 0x10
        try await plant(dir, IndexSection.encode(entries: flippedStructure))
        r = IndexVerifier.verify(directory: dir)
        #expect(!r.isHealthy && r.problems.allSatisfy { $0.contains("project \(P)") }, "\(r.problems)")

        // A bit flip in the section bytes themselves: the checksum fails.
        var raw = IndexSection.encode(entries: entries)
        raw[raw.count / 2] ^= 0x01
        try await plant(dir, raw)
        r = IndexVerifier.verify(directory: dir)
        #expect(r.problems.contains { $0.contains("does not parse or its checksum fails") }, "\(r.problems)")
        #expect(!IndexVerifier.summary(of: try Store.openReadOnly(directory: dir)).sectionValid)

        // The original section again: clean.
        try await plant(dir, IndexSection.encode(entries: entries))
        #expect(IndexVerifier.verify(directory: dir).isHealthy)

        // Changes after the index LSN (log only, no checkpoint) are not mismatches.
        let e2 = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, storeOptions: Self.fast)
        try await e2.delete(project: P, id: ids.removeFirst())
        _ = try await e2.addText("added after the checkpoint", scope: .global)
        try await e2.closeWithoutCheckpoint()
        let later = IndexVerifier.verify(directory: dir)
        #expect(later.problems.isEmpty, "\(later.problems)")
    }
}
