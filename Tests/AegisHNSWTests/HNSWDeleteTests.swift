import Testing
import AegisVector
@testable import AegisHNSW

@Suite struct HNSWDeleteTests {
    static let data = Dataset(n: 2000, queries: 30, dim: 16, seed: 31)

    @Test func deletedItemsAreNeverReturnedAndSlotsAreReused() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 16))
        try index.insert(labels: (0..<500).map { UInt64($0) }, vectors: Array(Self.data.flat.prefix(500 * 16)))
        for l in stride(from: 0, to: 500, by: 3) { #expect(index.remove(label: UInt64(l))) }
        #expect(!index.remove(label: 0))
        #expect(index.count == 500 - 167 && index.deletedCount == 167)
        try index.checkIntegrity()
        for q in Self.data.queries {
            let r = try index.search(q, k: 10)
            #expect(r.hits.count == 10 && r.hits.allSatisfy { $0.label % 3 != 0 })
        }
        let before = index.memoryBytes
        for i in 0..<100 { try index.insert(label: UInt64(10_000 + i), vector: Self.data.rows[500 + i]) }
        #expect(index.deletedCount == 67)  // 100 slots reused
        #expect(index.memoryBytes <= before + 100 * 64)
        try index.checkIntegrity()
        let q = Self.data.rows[550]
        #expect(try index.search(q, k: 1).hits.first?.label == 10_050)
    }

    @Test func deleteHalfThenCompactKeepsRecallAndMemory() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 16))
        try index.insert(labels: (0..<2000).map { UInt64($0) }, vectors: Self.data.flat)
        var rng = TestRNG(state: 5)
        var alive = [Bool](repeating: true, count: 2000)
        for i in (0..<2000).shuffled(using: &rng).prefix(1000) {
            alive[i] = false
            index.remove(label: UInt64(i))
        }
        let tombstoned = try recall(index, Self.data, live: { alive[$0] })
        #expect(tombstoned >= 0.95, "recall with tombstones \(tombstoned)")
        try index.compact(threads: 2)
        #expect(index.count == 1000 && index.deletedCount == 0)
        try index.checkIntegrity()
        let compacted = try recall(index, Self.data, live: { alive[$0] })
        // A fresh build of the survivors, for the memory and recall comparison.
        let fresh = try HNSWIndex(configuration: HNSWConfiguration(dimension: 16))
        let survivors = (0..<2000).filter { alive[$0] }
        try fresh.insert(labels: survivors.map { UInt64($0) }, vectors: survivors.flatMap { Self.data.rows[$0] })
        let freshRecall = try recall(fresh, Self.data, live: { alive[$0] })
        #expect(compacted >= 0.95 && compacted >= freshRecall - 0.02, "compacted \(compacted) fresh \(freshRecall)")
        #expect(Double(index.memoryBytes) <= 1.2 * Double(fresh.memoryBytes), "\(index.memoryBytes) vs \(fresh.memoryBytes)")
        // Labels survive compaction.
        #expect(index.vector(label: UInt64(survivors[0])) != nil && !index.contains(label: UInt64((0..<2000).first { !alive[$0] }!)))
    }

    @Test func deletingEverythingAndTheEntryPoint() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 16))
        try index.insert(labels: (0..<200).map { UInt64($0) }, vectors: Array(Self.data.flat.prefix(200 * 16)))
        // Delete in an order that removes the entry point early.
        let entryLabel = index.labels[Int(index.entryPoint)]
        index.remove(label: entryLabel)
        try index.checkIntegrity()
        #expect(try index.search(Self.data.queries[0], k: 10).hits.count == 10)
        for l in 0..<200 where UInt64(l) != entryLabel { index.remove(label: UInt64(l)) }
        #expect(index.count == 0)
        try index.checkIntegrity()
        #expect(try index.search(Self.data.queries[0], k: 10).hits.isEmpty)
        try index.insert(label: 5, vector: Self.data.rows[5])
        #expect(try index.search(Self.data.rows[5], k: 3).hits.map(\.label) == [5])
        try index.compact()
        try index.checkIntegrity()
    }

    @Test func concurrentReadersWithOneWriter() async throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 16))
        try index.insert(labels: (0..<1000).map { UInt64($0) }, vectors: Array(Self.data.flat.prefix(1000 * 16)))
        let queries = Self.data.queries
        let rows = Self.data.rows
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for i in 1000..<1400 { try index.insert(label: UInt64(i), vector: rows[i]) }
                for i in 0..<200 { index.remove(label: UInt64(i * 2)) }
                return 0
            }
            for t in 0..<3 {
                group.addTask {
                    var n = 0
                    for round in 0..<40 {
                        let r = try index.search(queries[(t * 7 + round) % queries.count], k: 10)
                        n += r.hits.count
                    }
                    return n
                }
            }
            var total = 0
            for try await n in group { total += n }
            #expect(total == 3 * 40 * 10)
        }
        #expect(index.count == 1200)
        try index.checkIntegrity()
    }
}
